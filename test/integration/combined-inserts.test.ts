import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { insertUnlessExists, openMongoConnection } from '@cpor/persistence';

interface Row {
  _id: string;
  caller: number;
}

// insertUnlessExists combines the inserts into one collection that meet (group commit): this
// checks on the real store that the answers stay each caller's own, duplicates within one
// combined insert included (FerretDB then writes its rows one by one).
describe('combined inserts on the real MongoDB-wire server', () => {
  let connection: Connection;
  let rows: Model<Row>;
  const commands: string[] = [];

  beforeAll(async () => {
    connection = await openMongoConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', `cpor_it_inserts_${randomUUID().slice(0, 8)}`);
    rows = connection.model<Row>('CombinedRow', new Schema<Row>({ _id: String, caller: Number }, { collection: 'combined_rows', versionKey: false }));
    await rows.createCollection();
    connection.set('debug', (collection: string, method: string) => {
      if (collection === 'combined_rows') commands.push(method);
    });
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('of many callers inserting at once, one caller per id is answered true and its row is the one stored; the others false', async () => {
    commands.length = 0;
    // 120 callers, 40 ids, each wanted by three callers: the first goes alone, the others wait for it
    // and meet, with their duplicates, in combined inserts.
    const callers = Array.from({ length: 120 }, (_, caller) => ({ _id: `row-${caller % 40}`, caller }));
    const answers = await Promise.all(callers.map((row) => insertUnlessExists(rows, row)));

    const stored = await rows.find().lean<Row[]>().exec();
    expect(stored).toHaveLength(40);
    for (let id = 0; id < 40; id++) {
      const winners = callers.filter((row, index) => row._id === `row-${id}` && answers[index]);
      expect(winners).toHaveLength(1);
      expect(stored.find((row) => row._id === `row-${id}`)?.caller).toBe(winners[0]!.caller);
    }
    // They met: fewer insert commands than rows, some of them combined.
    expect(commands.filter((method) => method === 'insertMany').length).toBeGreaterThan(0);
    expect(commands.filter((method) => method === 'insertOne' || method === 'insertMany').length).toBeLessThan(callers.length);
  });

  it('rows inserted before are answered false when they meet new ones in a combined insert, and the new ones go in', async () => {
    const ids = Array.from({ length: 30 }, (_, index) => `again-${index}`);
    await Promise.all(ids.filter((_, index) => index % 3 === 0).map((id) => insertUnlessExists(rows, { _id: id, caller: 0 })));

    const answers = await Promise.all(ids.map((id) => insertUnlessExists(rows, { _id: id, caller: 1 })));

    expect(answers).toEqual(ids.map((_, index) => index % 3 !== 0));
    const stored = (await rows.find().lean<Row[]>().exec()).filter((row) => ids.includes(row._id));
    expect(stored.map((row) => `${row._id}:${row.caller}`).sort()).toEqual(ids.map((id, index) => `${id}:${index % 3 === 0 ? 0 : 1}`).sort());
  });
});
