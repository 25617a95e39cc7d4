# Baton's image: compiled JavaScript on Node 24, started by tini as the
# unprivileged node user. It writes only under /data, so the root file system
# can be read-only. Adapters' tools (kubectl, terraform, psql, ssh) go in a
# derived image: see "Deploy" in the README.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
COPY commands ./commands
COPY adapters ./adapters
COPY config ./config
# The compiler and tsx stay in this stage: the image runs JavaScript only.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./
ENV NODE_ENV=production BATON_HOST=0.0.0.0 BATON_DATA_DIR=/data PORT=3000
RUN mkdir -p /data && chown node:node /data
VOLUME /data
EXPOSE 3000
USER node
# /healthz answers once the process serves; node's fetch, as the slim base has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini is PID 1: it hands SIGTERM to Baton, which finishes running steps and exits, and reaps the programs steps start.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/baton.js"]
CMD ["start"]
