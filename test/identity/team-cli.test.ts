import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeAdmin } from '../../src/cli/admin/requests.ts';
import { Engine } from '../../src/engine/engine.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { makeTempDir } from '../helpers/test-server.ts';

describe('peakform team (admin operations)', () => {
  let engine: Engine;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await makeTempDir('peakform-team-cli-');
    engine = await Engine.open({ dataDir, decodeWorkers: 0 });
    await engine.tokens.create('coach');
    await engine.tokens.create('assistant');
  });
  afterAll(async () => {
    engine.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates a team, adds a member and lists each one’s teams with the role', async () => {
    const team = (await executeAdmin(engine, {
      op: 'teams.create',
      name: 'Road squad',
      owner: 'coach',
      description: 'Tuesdays',
    })) as { id: string };
    expect(team).toMatchObject({ name: 'Road squad', description: 'Tuesdays', owner: 'coach' });
    expect(
      await executeAdmin(engine, {
        op: 'teams.addMember',
        teamId: team.id,
        userId: 'assistant',
        role: 'member',
      }),
    ).toEqual({ team_id: team.id, user_id: 'assistant', role: 'member' });
    expect(await executeAdmin(engine, { op: 'teams.list', userId: 'assistant' })).toEqual([
      { id: team.id, name: 'Road squad', description: 'Tuesdays', role: 'member' },
    ]);
    expect(await executeAdmin(engine, { op: 'teams.list', userId: 'coach' })).toMatchObject([
      { role: 'owner' },
    ]);
    await expect(
      executeAdmin(engine, { op: 'teams.addMember', teamId: team.id, userId: 'nobody', role: 'member' }),
    ).rejects.toMatchObject({ code: 'ERR_USER_NOT_FOUND' });
    await expect(
      executeAdmin(engine, { op: 'teams.addMember', teamId: 'team_nope', userId: 'coach', role: 'member' }),
    ).rejects.toMatchObject({ code: 'ERR_TEAM_NOT_FOUND' });
  });

  it('removes a member through the command, never the last owner', async () => {
    const team = (await executeAdmin(engine, { op: 'teams.create', name: 'Track', owner: 'coach' })) as {
      id: string;
    };
    await executeAdmin(engine, {
      op: 'teams.addMember',
      teamId: team.id,
      userId: 'assistant',
      role: 'member',
    });
    engine.close();
    try {
      const removed = await runCliInProcess([
        'team',
        'remove-member',
        team.id,
        '--user',
        'assistant',
        '--data',
        dataDir,
      ]);
      expect(removed).toMatchObject({ code: 0, stdout: `removed assistant from ${team.id}\n` });
      const again = await runCliInProcess([
        'team',
        'remove-member',
        team.id,
        '--user',
        'assistant',
        '--data',
        dataDir,
      ]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('ERR_USER_NOT_FOUND');
      const owner = await runCliInProcess([
        'team',
        'remove-member',
        team.id,
        '--user',
        'coach',
        '--data',
        dataDir,
      ]);
      expect(owner.code).toBe(1);
      expect(owner.stderr).toContain('last owner');
      expect((await runCliInProcess(['team', 'remove-member', team.id, '--data', dataDir])).code).toBe(2);
    } finally {
      engine = await Engine.open({ dataDir, decodeWorkers: 0 });
    }
    expect(await executeAdmin(engine, { op: 'teams.list', userId: 'assistant' })).toEqual([
      expect.objectContaining({ name: 'Road squad' }),
    ]);
  });
});
