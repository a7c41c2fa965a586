import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config/config.ts';
import { describeChange, diffRuleSets } from '../../domain/rule-set/diff-rule-sets.ts';
import type { ChangesLog } from '../../healing/escalation.ts';
import { healMetrics } from '../../healing/heal-metrics.ts';
import type { HealRunner } from '../../healing/heal-run.ts';
import { HEAL_STATES } from '../../healing/heal-run.ts';
import { healRunJobRecord, healRunRecord } from '../../healing/heal-run-record.ts';
import type { ScanService } from '../../healing/scan-job.ts';
import type { HealRunRepository } from '../../store/heal-run-repository.ts';
import type { RuleSetRepository } from '../../store/rule-set-repository.ts';
import { errorBody, requireKey } from '../auth.ts';
import { jobIdProblem } from '../job-id.ts';
import { requireJsonBody } from '../json-body.ts';

export interface SelfHealingRouteDependencies {
  readonly config: Config;
  readonly runs: HealRunRepository;
  readonly scanner: ScanService;
  readonly healer: HealRunner;
  readonly ruleSetRepository: RuleSetRepository;
  readonly changesLog: ChangesLog;
}

const decisionBody = z.object({
  by: z.string().trim().min(1).max(100).default('operator'),
  reason: z.string().trim().min(1).max(2000),
});
const approveBody = decisionBody.extend({ reason: z.string().trim().max(2000).default('approved') });
const historyQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  outcome: z.enum(['success', 'failed', 'escalated', 'no_fix', 'superseded']).optional(),
  state: z.enum(HEAL_STATES).optional(),
});
const runParams = z.object({ runId: z.string().uuid() });
/** A rule set version in a path or query: digits only (`Number()` reads `1e3` as 1000, `0x10` as 16). */
const version = z
  .string()
  .regex(/^[1-9][0-9]{0,8}$/, 'a rule set version is a positive whole number')
  .transform(Number);
const versionParams = z.object({ version });
const diffQuery = z.object({ from: version, to: version });

function invalid(error: z.ZodError): ReturnType<typeof errorBody> {
  return errorBody(
    'VALIDATION_ERROR',
    error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '),
  );
}

/**
 * The seed's self-healing routes and the operations around them, all behind ADMIN_API_KEY:
 * trigger, status, history, metrics; runs waiting for a person (approve, reject, false
 * positive); escalations; rule set versions, their diff, and rollback.
 */
export function selfHealingRoutes(deps: SelfHealingRouteDependencies) {
  const auth = requireKey(() => deps.config.ADMIN_API_KEY, 'admin');
  return async (app: FastifyInstance) => {
    // The key is checked before the body is read: without it, 401/403 whatever the body.
    app.addHook('onRequest', auth);
    // Then the content type, still before the body is read: the bodies here are JSON.
    app.addHook('onRequest', requireJsonBody);

    app.post('/api/self-healing/trigger', async (request, reply) => {
      const body: unknown = request.body === undefined ? {} : request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return reply
          .code(400)
          .send(errorBody('VALIDATION_ERROR', 'the body must be a JSON object {"jobId": "<job id>"}'));
      }
      const given = (body as { jobId?: unknown }).jobId;
      const jobId = typeof given === 'string' ? given.trim() : given;
      const problem = jobIdProblem(jobId);
      if (problem !== null) return reply.code(400).send(errorBody('VALIDATION_ERROR', problem));
      const outcome = await deps.scanner.scan(jobId as string, true);
      if (outcome.status !== 'scanned') {
        const missing = outcome.status === 'not_found';
        return reply.code(missing ? 404 : 409).send({
          success: false,
          jobId,
          phase: 'loading_data',
          reason: missing ? 'Job not found in database' : 'Job is not verified yet',
        });
      }
      return {
        success: true,
        jobId,
        phase: 'error_detection',
        reason: outcome.issues.length === 0 ? 'No issues found' : undefined,
        issues: outcome.issues.map((issue) => ({
          signature: issue.signature,
          type: issue.type,
          severity: issue.severity,
          healable: issue.healable,
          summary: issue.summary,
        })),
        runs: outcome.runs,
        correctedBy: outcome.correctedBy,
      };
    });

    app.get('/api/self-healing/status/:jobId', async (request, reply) => {
      const { jobId } = request.params as { jobId: string };
      const problem = jobIdProblem(jobId);
      if (problem !== null) return reply.code(400).send(errorBody('VALIDATION_ERROR', problem));
      const runs = await deps.runs.runsForJob(jobId);
      const latest = runs[0];
      if (!latest) return { jobId, status: 'not_found', message: 'No self-healing activity for this job' };
      return {
        jobId,
        status: latest.final_outcome ?? latest.state,
        issueType: latest.issue_type,
        consensusAchieved: latest.consensus_achieved === 1,
        attemptsTaken: latest.attempts_taken,
        sfCorrectionSent: latest.sf_correction_sent === 1,
        detectedAt: latest.detected_at,
        completedAt: latest.completed_at,
        runs: runs.map((run) => ({
          id: run.id,
          signature: run.signature,
          state: run.state,
          finalOutcome: run.final_outcome,
        })),
      };
    });

    app.get('/api/self-healing/history', async (request, reply) => {
      const query = historyQuery.safeParse(request.query);
      if (!query.success) return reply.code(400).send(invalid(query.error));
      const { total, runs } = await deps.runs.history(query.data);
      return { total, logs: runs.map(healRunRecord) };
    });

    app.get('/api/self-healing/metrics', async () =>
      healMetrics(await deps.runs.metricRows(), await deps.runs.countIssues()),
    );

    app.get('/api/self-healing/runs/:runId', async (request, reply) => {
      const params = runParams.safeParse(request.params);
      if (!params.success) return reply.code(400).send(invalid(params.error));
      const run = await deps.runs.get(params.data.runId);
      if (!run) return reply.code(404).send(errorBody('NOT_FOUND', 'no such heal run'));
      return { ...healRunRecord(run), jobs: (await deps.runs.runJobs(run.id)).map(healRunJobRecord) };
    });

    app.get('/api/self-healing/approvals', async () => {
      const { total, runs } = await deps.runs.history({ limit: 500, state: 'awaiting_approval' });
      return { total, runs: runs.map(healRunRecord) };
    });

    const decide = (approved: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
      const params = runParams.safeParse(request.params);
      if (!params.success) return reply.code(400).send(invalid(params.error));
      const body = (approved ? approveBody : decisionBody).safeParse(request.body ?? {});
      if (!body.success) return reply.code(400).send(invalid(body.error));
      if (!(await deps.runs.get(params.data.runId))) {
        return reply.code(404).send(errorBody('NOT_FOUND', 'no such heal run'));
      }
      const run = await deps.healer.decide(params.data.runId, { approved, ...body.data });
      if (!run)
        return reply
          .code(409)
          .send(errorBody('NOT_AWAITING_APPROVAL', 'the run is not waiting for approval'));
      return healRunRecord(run);
    };
    app.post('/api/self-healing/runs/:runId/approve', decide(true));
    app.post('/api/self-healing/runs/:runId/reject', decide(false));

    app.post('/api/self-healing/runs/:runId/false-positive', async (request, reply) => {
      const params = runParams.safeParse(request.params);
      if (!params.success) return reply.code(400).send(invalid(params.error));
      const body = decisionBody.safeParse(request.body ?? {});
      if (!body.success) return reply.code(400).send(invalid(body.error));
      const run = await deps.runs.get(params.data.runId);
      if (!run) return reply.code(404).send(errorBody('NOT_FOUND', 'no such heal run'));
      await deps.runs.update(run.id, { false_positive: 1, updated_at: new Date().toISOString() });
      if (run.state === 'awaiting_approval') {
        await deps.healer.decide(run.id, {
          approved: false,
          by: body.data.by,
          reason: `false positive: ${body.data.reason}`,
        });
      }
      return healRunRecord((await deps.runs.get(run.id)) ?? run);
    });

    app.get('/api/self-healing/escalations', async (request, reply) => {
      const query = historyQuery.safeParse(request.query);
      if (!query.success) return reply.code(400).send(invalid(query.error));
      const rows = await deps.runs.escalations(query.data.limit);
      return {
        escalations: rows.map((row) => ({
          id: row.id,
          runId: row.run_id,
          jobId: row.job_id,
          reason: row.reason,
          message: row.message,
          context: JSON.parse(row.context) as unknown,
          createdAt: row.created_at,
          resolvedAt: row.resolved_at,
        })),
      };
    });

    app.get('/api/rule-sets', async () => ({
      active: await deps.ruleSetRepository.activeVersion(),
      versions: await deps.ruleSetRepository.list(),
    }));

    app.get('/api/rule-sets/diff', async (request, reply) => {
      const query = diffQuery.safeParse(request.query);
      if (!query.success) return reply.code(400).send(invalid(query.error));
      const [from, to] = await Promise.all([
        deps.ruleSetRepository.get(query.data.from),
        deps.ruleSetRepository.get(query.data.to),
      ]);
      if (!from || !to) return reply.code(404).send(errorBody('NOT_FOUND', 'no such rule set version'));
      const changes = diffRuleSets(from.document, to.document);
      return { from: from.version, to: to.version, changes: changes.map(describeChange) };
    });

    /** Rollback (or roll forward) to any stored version: one atomic write of the pointer. */
    app.post('/api/rule-sets/:version/activate', async (request, reply) => {
      const params = versionParams.safeParse(request.params);
      if (!params.success) return reply.code(400).send(invalid(params.error));
      const body = decisionBody.safeParse(request.body ?? {});
      if (!body.success) return reply.code(400).send(invalid(body.error));
      const target = await deps.ruleSetRepository.get(params.data.version);
      if (!target) return reply.code(404).send(errorBody('NOT_FOUND', 'no such rule set version'));
      const previous = await deps.ruleSetRepository.activeVersion();
      if (previous === target.version) {
        return reply
          .code(409)
          .send(errorBody('ALREADY_ACTIVE', `rule set v${target.version} is already active`));
      }
      // Only a version that has been in service: the initial one, or one a heal run activated.
      // A staged version that was never approved has not passed every gate.
      if (target.parentVersion !== null && !(await deps.runs.wasActivated(target.version))) {
        return reply
          .code(409)
          .send(
            errorBody(
              'NEVER_ACTIVE',
              `rule set v${target.version} was staged but never approved and activated`,
            ),
          );
      }
      const at = new Date().toISOString();
      await deps.ruleSetRepository.activate(target.version, body.data.by, at);
      await deps.changesLog.append({
        at,
        action: 'rollback',
        by: body.data.by,
        reason: body.data.reason,
        fromVersion: previous,
        toVersion: target.version,
      });
      request.log.warn(
        { fromVersion: previous, toVersion: target.version, by: body.data.by },
        '[Self-Healing] Rule set version activated by a person',
      );
      return { active: target.version, previous };
    });
  };
}
