FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY commands ./commands
COPY adapters ./adapters
COPY config ./config
ENV BATON_HOST=0.0.0.0 BATON_DATA_DIR=/data PORT=3000
RUN mkdir -p /data && chown node:node /data
VOLUME /data
EXPOSE 3000
USER node
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/baton.js"]
CMD ["start"]
