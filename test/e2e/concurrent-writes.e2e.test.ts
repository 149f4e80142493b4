import { randomBytes } from 'node:crypto';
import { openMongoConnection } from '@cpor/persistence';
import { http } from '../support/http.js';
import { claimFields, LifecycleDriver, PDF } from '../support/lifecycle-driver.js';
import { startSystem, type RunningSystem } from '../support/system.js';

// Many writers on one claim through the public API: nothing acknowledged is lost, nothing is
// answered 5xx, and no stored PoE file is left without the claim pointing to it.
describe('concurrent writes on one claim', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    system = await startSystem();
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('R2: parallel PoE uploads to one claim are all recorded, once each, and every stored file belongs to it', async () => {
    const driver = new LifecycleDriver(system);
    const token = await driver.partner();
    const draft = await driver.draft(claimFields(`${system.runId}-uploads`));
    const uploads = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const form = new FormData();
        const bytes = Buffer.concat([PDF, randomBytes(256 * 1024)]);
        form.append('files', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), `evidence-${i}.pdf`);
        return http('POST', `${system.urls.intake}/v1/claims/${draft.id}/poe`, { token, form });
      }),
    );
    expect(uploads.map((answer) => answer.status)).toEqual(uploads.map(() => 200));

    const claim = await http('GET', `${system.urls.intake}/v1/claims/${draft.id}`, { token });
    expect(claim.body.poe).toHaveLength(21);
    const history = await http('GET', `${system.urls.intake}/v1/claims/${draft.id}/history`, { token });
    expect(history.body.entries.filter((entry: { action: string }) => entry.action === 'addPoe')).toHaveLength(21);
    expect(history.body.entries.map((entry: { version: number }) => entry.version)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));

    const connection = await openMongoConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', system.mongoDb);
    try {
      const files = await connection.db!.collection('poe.files').find({}, { projection: { _id: 1 } }).toArray();
      expect(files.map((file) => String(file._id)).sort()).toEqual(claim.body.poe.map((document: { documentId: string }) => document.documentId).sort());
      expect(await connection.db!.collection('poe_unconfirmed').countDocuments()).toBe(0);
    } finally {
      await connection.close();
    }
  });

  it('R3/R4: reviewers racing to start one review: exactly one wins, the others get 409, none a 5xx', async () => {
    const driver = new LifecycleDriver(system);
    const submitted = await driver.submitted(claimFields(`${system.runId}-race`));
    const reviewer = await driver.reviewer();
    const answers = await Promise.all(Array.from({ length: 8 }, () => http('POST', `${system.urls.review}/v1/reviews/${submitted.id}/start`, { token: reviewer })));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 409)).toHaveLength(7);
    const history = await http('GET', `${system.urls.intake}/v1/claims/${submitted.id}/history`, { token: await driver.partner() });
    expect(history.body.entries.filter((entry: { action: string }) => entry.action === 'startReview')).toHaveLength(1);
  });
});
