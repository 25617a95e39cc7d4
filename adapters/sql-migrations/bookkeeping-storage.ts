/**
 * umzug's storage backed by the bookkeeping table. umzug ships storages for
 * JSON files, Sequelize and MongoDB; this one records what Baton needs on top
 * of the name: the checksum of the file that ran and the step that ran it.
 */
import type { UmzugStorage } from 'umzug';
import { forgetMigration, recordMigration, type BookkeepingTable } from './bookkeeping.ts';
import type { Session } from './connect.ts';

export class BookkeepingStorage implements UmzugStorage {
  constructor(
    private readonly session: Session,
    private readonly table: BookkeepingTable,
    private readonly checksums: ReadonlyMap<string, string>,
    private readonly stepId: string,
  ) {}

  async executed(): Promise<string[]> {
    const result = await this.session.client.query<{ name: string }>(
      `SELECT name FROM ${this.table.sqlName} ORDER BY name COLLATE "C"`,
    );
    return result.rows.map((row) => row.name);
  }

  async logMigration({ name }: { name: string }): Promise<void> {
    const checksum = this.checksums.get(name);
    if (checksum === undefined) throw new Error(`no checksum was computed for migration ${name}`);
    await recordMigration(this.session, this.table, { name, checksum, stepId: this.stepId });
  }

  async unlogMigration({ name }: { name: string }): Promise<void> {
    await forgetMigration(this.session, this.table, name);
  }
}
