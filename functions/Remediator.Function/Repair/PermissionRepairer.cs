using System.Collections.Concurrent;
using Remediator.Core.Diagnosis;
using Remediator.Core.Repair;
using Remediator.Function.Aws;
using Remediator.Function.State;

namespace Remediator.Function.Repair;

/// <summary>
/// Repairs a missing invoke permission only after verifying, against API Gateway and Lambda themselves, that the
/// repair is right and allowed: a log line alone never grants anything (anyone who can write to a log group could
/// forge one). Every check that fails is the reason in the report; dry-run stops before the one write.
/// </summary>
/// <param name="state">When set (STATE_TABLE), a write to a function's policy for an API takes its lock in the shared
/// table first, so that one environment of any account writes it; without the table no policy is written.</param>
/// <param name="clock">The clock the lock's lease is measured by.</param>
public sealed class PermissionRepairer(RepairOptions options, IApiGatewayConfig apis, IPermissionStore lambda, string? region,
    ISharedState? state = null, TimeProvider? clock = null)
{
    /// <summary>How long a repair lock is held at most: a holder that dies mid-repair frees it then. A repair is a few
    /// calls within one invocation, whose time budget is at most 15 minutes but in practice under one.</summary>
    public static readonly TimeSpan LockLease = TimeSpan.FromMinutes(5);

    public const string OptOutTag = "remediator:auto-repair";

    // The same function and API are never repaired twice at once (concurrent invocations race through the
    // policy's revision id and our deterministic statement id instead).
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> InFlight = new(StringComparer.Ordinal);

    public RepairMode Mode => options.Mode;

    /// <summary>A session for one invocation: API Gateway's answers and the write budget live as long as it does.</summary>
    public RepairSession NewSession() => new(options.MaxPerInvocation);

    /// <summary>
    /// What API Gateway's configuration says about the integration of a failing request, read in the same session (and
    /// with the same apigateway:GET) as a repair: its <c>timeoutInMillis</c> (the shortest of the API's Lambda
    /// integrations when the log does not show the route), and the function, when exactly one serves the request (for
    /// an authorizer failure, the API's only Lambda authorizer). Nothing when the API is not one repair may read, or
    /// the read fails: the advice then keeps to the API type's default timeout, which it says, and to the command that
    /// finds the function.
    /// </summary>
    public async Task<IntegrationFacts> ReadIntegrationAsync(Finding finding, RepairSession session, DateTimeOffset deadline, CancellationToken ct)
    {
        var key = finding.Key;
        if (key.ApiId is not { } apiId || !AwsNames.IsApiId(apiId) || (key.Stage is { } st && !AwsNames.IsStageName(st)) || !options.InScope(apiId))
        {
            return new IntegrationFacts(null, null);
        }
        try
        {
            var config = await session.ApiAsync(apis, apiId, key.Stage, finding.ApiType, deadline, ct).ConfigureAwait(false);
            var functions = finding.Cause == Cause.AuthorizerFailure
                ? config.LambdaAuthorizers.Select(a => LambdaIntegrations.Resolve(a.Uri, config.StageVariables)?.Arn)
                : LambdaIntegrations.ForRequest(config, key.HttpMethod, key.ResourcePath, key.RouteKey).Select(i => LambdaIntegrations.Resolve(i.Uri, config.StageVariables)?.Arn);
            var distinct = functions.Distinct(StringComparer.Ordinal).ToList();
            return new IntegrationFacts(LambdaIntegrations.IntegrationTimeoutMs(config, key.HttpMethod, key.ResourcePath, key.RouteKey),
                distinct is [{ } only] ? only : null);
        }
        catch (AwsCallException)
        {
            return new IntegrationFacts(null, null);
        }
    }

    /// <summary>
    /// Repairs what API Gateway's and Lambda's own state show is broken for the finding's API: the function the log
    /// names (it must be one API Gateway invokes), else every function API Gateway invokes for the route, or for the
    /// whole API when the log does not show the route (deployed, the filter passes only the lines that say a
    /// permission is missing). The broken ones are those whose policy does not let this API invoke them; each gets
    /// its own report. When none is broken, one report says so and nothing is granted.
    /// </summary>
    /// <param name="approved">In approve mode, the plan a person approved (from a verified link): it alone is added,
    /// and only while the policy is still at the revision it was planned against.</param>
    public async Task<IReadOnlyList<RepairReport>> RepairAsync(Finding finding, RepairSession session, DateTimeOffset deadline, CancellationToken ct,
        ApprovedPlan? approved = null)
    {
        var checks = new List<string>();
        RepairReport Refuse(RefusalReason reason, string detail, PermissionPlan? plan = null, Finding? resolved = null) =>
            new(resolved ?? finding, RepairResult.Refused, plan, reason, detail, checks);

        var key = finding.Key;
        if (key.ApiId is not { } apiId)
        {
            return [Refuse(RefusalReason.NoIntegration, "the log does not show which API failed, so API Gateway cannot confirm the target")];
        }
        if (!AwsNames.IsApiId(apiId) || (key.Stage is { } st && !AwsNames.IsStageName(st)))
        {
            return [Refuse(RefusalReason.NoIntegration, "the API id or stage in the log is not one API Gateway could have written: nothing is read or granted on it")];
        }
        if (!options.InScope(apiId))
        {
            return [Refuse(RefusalReason.ApiNotInScope, options.Apis.Count == 0
                ? $"no API may be repaired until {OptionNames.RepairApis} names it, or {OptionNames.RepairAnyApi}=true"
                : $"API {apiId} is not in {OptionNames.RepairApis} ({string.Join(", ", options.Apis)})")];
        }
        if (DecisivePhrases.IsCredentialsRoleEvidence(finding.Evidence))
        {
            return [Refuse(RefusalReason.CredentialsRole, RoleAdvice(null))];
        }
        if (finding.AccountId is not { } account)
        {
            return [Refuse(RefusalReason.AccountUnknown, "the log does not show the API's account, so the grant cannot be scoped by SourceAccount")];
        }
        if (!AwsNames.IsAccountId(account) || (region is not null && !AwsNames.IsRegion(region)))
        {
            // Both end up in the SourceArn and SourceAccount of the statement: never a wildcard or a forged shape.
            return [Refuse(RefusalReason.AccountUnknown, "the account id or region is not one AWS could have written (12 digits; a region such as us-east-1): nothing is read or granted on it")];
        }

        // 1. What API Gateway invokes, read now (never a view from an earlier invocation).
        ApiIntegrations config;
        try
        {
            config = await session.ApiAsync(apis, apiId, key.Stage, finding.ApiType, deadline, ct).ConfigureAwait(false);
        }
        catch (AwsCallException e)
        {
            return [AwsRefusal(e, "apigateway:GET", checks, finding)];
        }
        var where = $"{apiId}{(key.Stage is null ? "" : "/" + key.Stage)}";
        var route = key.RouteKey ?? (key.ResourcePath is null ? null : $"{key.HttpMethod ?? "*"} {key.ResourcePath}");
        var (targets, wholeApi) = InvokeTargets.For(config, key.HttpMethod, key.ResourcePath, key.RouteKey);
        var scope = wholeApi ? (route is null ? "its routes" : $"its routes ({route} matches none of them)") : route!;
        var listed = targets.Count == 0 ? "no Lambda function" : string.Join("; ", targets.Select(t => $"{t.FunctionLabel} ({t.Label})"));
        if (key.FunctionArn is { } logged)
        {
            var named = targets.Where(t => t.Function.Arn == logged && SameQualifier(t.Function.Qualifier, key.Qualifier)).ToList();
            if (named.Count == 0)
            {
                return [Refuse(RefusalReason.NotAnIntegration,
                    $"the log names {Show(logged, key.Qualifier)}, but API Gateway invokes {listed} for {scope} of {where}: nothing is granted on the word of a log line")];
            }
            targets = named;
        }
        if (targets.Count == 0)
        {
            return [Refuse(RefusalReason.NoIntegration, $"API Gateway shows no Lambda integration or authorizer for {scope} of {where}")];
        }
        checks.Add($"API Gateway invokes {listed} for {scope} of {where}");

        // 2. Which of them may API Gateway not invoke? Read each policy that Remediator may read.
        var assessed = new List<Assessment>();
        foreach (var target in targets)
        {
            assessed.Add(await AssessAsync(target, config, account, deadline, ct).ConfigureAwait(false));
        }
        var broken = assessed.Where(a => a.State is TargetState.Broken or TargetState.Denied).ToList();
        if (broken.Count == 0)
        {
            var unknown = assessed.Where(a => a.State == TargetState.Unknown).ToList();
            if (unknown.Count == 1)
            {
                var u = unknown[0];
                return [Refuse(u.Reason!.Value, u.Detail, u.Plan, ResolvedFinding.With(finding, u.Target))];
            }
            if (unknown.Count > 1)
            {
                return [Refuse(unknown[0].Reason!.Value, "none of the functions Remediator may check lacks the permission; it cannot check " +
                    string.Join("; ", unknown.Select(u => $"{u.Target.FunctionLabel} ({u.Target.Label}): {u.Detail}")))];
            }
            var allowed = assessed[0];
            return [Refuse(RefusalReason.AlreadyAllowed, assessed.Count == 1
                ? $"statement {allowed.AllowSid} already allows API Gateway to invoke {allowed.Plan.ResourceArn} from {apiId}: the 500s have another cause (a SourceArn for another stage or method, a deploy in progress, or an IAM role on the integration)"
                : $"every function API Gateway invokes for {scope} of {where} allows it now ({string.Join(", ", assessed.Select(a => a.Target.FunctionLabel))}): the permission was added meanwhile, the 500s have another cause, or the line was forged; nothing is granted",
                assessed.Count == 1 ? allowed.Plan : null, assessed.Count == 1 ? ResolvedFinding.With(finding, allowed.Target) : null)];
        }

        // 3. Repair exactly the broken ones, each within the allow-list, the opt-out tag and the write budget.
        var reports = new List<RepairReport>();
        foreach (var b in broken)
        {
            var own = new List<string>(checks) { $"{b.Target.FunctionLabel} ({b.Target.Label}) is in the API's account {account} and matches the allow-list" };
            own.AddRange(b.Checks);
            reports.Add(await RepairOneAsync(ResolvedFinding.With(finding, b.Target), b, key, own, session, deadline, ct, approved).ConfigureAwait(false));
        }
        return reports;
    }

    private enum TargetState { Allowed, Broken, Denied, Unknown }

    private sealed record Assessment(InvokeTarget Target, PermissionPlan Plan, TargetState State, RefusalReason? Reason = null, string Detail = "",
        string? AllowSid = null, string? DenySid = null, FunctionPolicy? Policy = null, IReadOnlyList<string>? SourceArns = null)
    {
        public List<string> Checks { get; } = [];
    }

    private async Task<Assessment> AssessAsync(InvokeTarget target, ApiIntegrations config, string account, DateTimeOffset deadline, CancellationToken ct)
    {
        var plan = new PermissionPlan(target.Function, config.ApiId, region ?? target.Function.Region, account, target.Authorizer?.Id);
        if (!AwsNames.IsRegion(plan.Region) || !AwsNames.IsApiId(plan.ApiId) || !AwsNames.IsAccountId(target.Function.AccountId))
        {
            return new Assessment(target, plan, TargetState.Unknown, RefusalReason.NotAnIntegration,
                "API Gateway's answer names a function, region or API id of a shape AWS does not use: nothing is granted on it");
        }
        if (target.Credentials is { } role)
        {
            return new Assessment(target, plan, TargetState.Unknown, RefusalReason.CredentialsRole, RoleAdvice(role));
        }
        if (target.Function.AccountId != account)
        {
            return new Assessment(target, plan, TargetState.Unknown, RefusalReason.CrossAccount,
                $"the function is in account {target.Function.AccountId} and the API in {account}: the function's owner must add the permission (command below)");
        }
        if (!options.AllowedFunctions.Any(p => ArnGlob.Matches(p, target.Function.Arn) || ArnGlob.Matches(p, plan.ResourceArn)))
        {
            return new Assessment(target, plan, TargetState.Unknown, RefusalReason.NotAllowListed, options.AllowedFunctions.Count == 0
                ? $"no function may be repaired until {OptionNames.RepairAllowedFunctions} names it (ARN patterns with * and ?)"
                : $"{plan.ResourceArn} matches none of {OptionNames.RepairAllowedFunctions} ({string.Join(", ", options.AllowedFunctions)})");
        }
        try
        {
            var arns = target.SourceArns(target.Function.Partition, plan.Region, account, config.ApiId, config.Stage);
            var policy = await lambda.GetPolicyAsync(target.Function, deadline, ct).ConfigureAwait(false);
            var verdicts = arns.Select(arn => PolicyEvaluator.Evaluate(policy.Json, arn, account)).ToList();
            if (verdicts.FirstOrDefault(v => v.Denied) is { } denied)
            {
                return new Assessment(target, plan, TargetState.Denied, DenySid: denied.DenySid, Policy: policy, SourceArns: arns);
            }
            if (verdicts.All(v => v.Allowed))
            {
                return new Assessment(target, plan, TargetState.Allowed, AllowSid: verdicts[0].AllowSid, Policy: policy, SourceArns: arns);
            }
            var unevaluated = verdicts.SelectMany(v => v.Unevaluated).Distinct().ToList();
            var broken = new Assessment(target, plan, TargetState.Broken, Policy: policy, SourceArns: arns);
            broken.Checks.Add($"the policy of {plan.ResourceArn} does not allow API Gateway from {config.ApiId}" +
                (unevaluated.Count > 0 ? $" (statements {string.Join(", ", unevaluated)} have conditions Remediator cannot evaluate)" : ""));
            return broken;
        }
        catch (AwsCallException e)
        {
            var (reason, detail) = AwsReason(e, e.Operation.Replace("Lambda ", "lambda:", StringComparison.Ordinal));
            return new Assessment(target, plan, TargetState.Unknown, reason, detail);
        }
    }

    private async Task<RepairReport> RepairOneAsync(Finding finding, Assessment b, FindingKey key, List<string> checks, RepairSession session, DateTimeOffset deadline, CancellationToken ct,
        ApprovedPlan? approved = null)
    {
        var plan = b.Plan;
        RepairReport Refuse(RefusalReason reason, string detail) => new(finding, RepairResult.Refused, plan, reason, detail, checks);
        try
        {
            var tags = await lambda.GetTagsAsync(b.Target.Function, deadline, ct).ConfigureAwait(false);
            if (tags.TryGetValue(OptOutTag, out var optOut) && optOut.Equals("false", StringComparison.OrdinalIgnoreCase))
            {
                return Refuse(RefusalReason.OptedOut, $"the function is tagged {OptOutTag}=false");
            }
            checks.Add($"the function is not tagged {OptOutTag}=false");
        }
        catch (AwsCallException e)
        {
            return AwsRefusal(e, e.Operation.Replace("Lambda ", "lambda:", StringComparison.Ordinal), checks, finding, plan);
        }
        if (b.State == TargetState.Denied)
        {
            return Refuse(RefusalReason.ExplicitDeny, $"statement {b.DenySid} of the function's policy denies API Gateway; an Allow would not help");
        }
        var revision = b.Policy?.RevisionId ?? "";
        var approvedNow = options.Mode == RepairMode.Approve && approved is { } a && a.ResourceArn == plan.ResourceArn && a.StatementId == plan.StatementId
            && a.PolicyRevisionId == revision;
        if (options.Mode != RepairMode.Auto && !approvedNow)
        {
            return new RepairReport(finding, RepairResult.Planned, plan, null, options.Mode == RepairMode.Approve
                ? "a person approves it through the link in this message; the link is bound to this plan and the policy's current revision"
                : $"set {OptionNames.RepairMode}=auto to let Remediator add it", checks) { PolicyRevisionId = revision };
        }
        if (state is null)
        {
            if (!session.TryTakeWrite())
            {
                return Refuse(RefusalReason.LimitReached,
                    $"{session.MaxWrites} permission(s) were already added in this invocation ({OptionNames.MaxRepairs}); the finding stays open and the next delivery will try again");
            }
            return await Act(finding, plan, b.SourceArns!, b.Policy!, checks, deadline, ct, retryStale: !approvedNow).ConfigureAwait(false);
        }
        return await ActLockedAsync(state, finding, b, checks, session, deadline, ct, approvedNow).ConfigureAwait(false);
    }

    /// <summary>
    /// The write under the shared lock of the function and API: the one environment holding it reads the policy again
    /// (an earlier holder may have added the statement since this invocation's read) and writes only if it is still
    /// missing. Without the table's answer nothing is written: two environments could otherwise both write.
    /// </summary>
    private async Task<RepairReport> ActLockedAsync(ISharedState shared, Finding finding, Assessment b, List<string> checks, RepairSession session,
        DateTimeOffset deadline, CancellationToken ct, bool approvedNow = false)
    {
        var plan = b.Plan;
        RepairReport Refuse(RefusalReason reason, string detail) => new(finding, RepairResult.Refused, plan, reason, detail, checks);
        const string Unavailable = "the shared state table (STATE_TABLE) did not answer, and without its lock another environment could write the same policy: nothing is written until it answers; the finding stays open";
        if (session.StateUnavailable)
        {
            return Refuse(RefusalReason.StateUnavailable, Unavailable);
        }
        var lockKey = $"{plan.ResourceArn}|{plan.ApiId}";
        string? token;
        try
        {
            token = await shared.TryLockAsync(lockKey, (clock ?? TimeProvider.System).GetUtcNow(), LockLease, ct).ConfigureAwait(false);
        }
        catch (SharedStateUnavailableException)
        {
            session.StateUnavailable = true;
            return Refuse(RefusalReason.StateUnavailable, Unavailable);
        }
        if (token is null)
        {
            return Refuse(RefusalReason.RepairLocked, $"another Remediator environment is repairing {plan.ResourceArn} for {plan.ApiId} now; its message says what it did");
        }
        try
        {
            FunctionPolicy policy;
            try
            {
                var (now, fresh) = await Read(plan, b.SourceArns!, deadline, ct).ConfigureAwait(false);
                if (now.Allowed)
                {
                    return new RepairReport(finding, RepairResult.Refused, plan, RefusalReason.AlreadyAllowed,
                        $"statement {now.AllowSid} allows API Gateway now: it was added meanwhile (by another environment, or by hand)", checks);
                }
                policy = fresh;
            }
            catch (AwsCallException e)
            {
                return AwsRefusal(e, e.Operation.Replace("Lambda ", "lambda:", StringComparison.Ordinal), checks, finding, plan);
            }
            if (!session.TryTakeWrite())
            {
                return Refuse(RefusalReason.LimitReached,
                    $"{session.MaxWrites} permission(s) were already added in this invocation ({OptionNames.MaxRepairs}); the finding stays open and the next delivery will try again");
            }
            // An approved plan writes against the revision the person approved: if the policy moved under the lock, the
            // conditional write fails and the plan is shown again rather than applied to a policy nobody saw.
            return await Act(finding, plan, b.SourceArns!, approvedNow ? b.Policy! : policy, checks, deadline, ct, retryStale: !approvedNow).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                await shared.UnlockAsync(lockKey, token, CancellationToken.None).ConfigureAwait(false);
            }
            catch (SharedStateUnavailableException)
            {
                // The lease frees it.
            }
        }
    }

    private static bool SameQualifier(string? a, string? b) => (a is "$LATEST" ? null : a) == (b is "$LATEST" ? null : b);

    private static string RoleAdvice(string? role) =>
        (role is null ? "API Gateway could not assume the credentials role of the integration or authorizer" : $"API Gateway invokes this function through the credentials role {role}") +
        ": its trust policy must let apigateway.amazonaws.com assume it (sts:AssumeRole) and the role needs lambda:InvokeFunction on the function; " +
        "the function's resource policy is not consulted, so Remediator adds no statement" +
        (role is null ? "" : $" (aws iam get-role --role-name {role[(role.LastIndexOf('/') + 1)..]} --query Role.AssumeRolePolicyDocument)");

    private async Task<RepairReport> Act(Finding finding, PermissionPlan plan, IReadOnlyList<string> sourceArns, FunctionPolicy policy, List<string> checks, DateTimeOffset deadline, CancellationToken ct,
        bool retryStale = true)
    {
        var gate = InFlight.GetOrAdd($"{plan.ResourceArn}|{plan.ApiId}", _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var note = "";
            var conflict = false; // our statement id was already there: someone else's, or a concurrent invocation's
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await lambda.AddPermissionAsync(plan, policy.RevisionId, deadline, ct).ConfigureAwait(false);
                    break;
                }
                catch (AwsCallException e) when (e.Code == "PreconditionFailedException" && attempt == 1 && !retryStale)
                {
                    // An approved plan is bound to the revision the person saw: a policy that moved is planned again, never
                    // written on its new revision without a new approval.
                    return new RepairReport(finding, RepairResult.Planned, plan, null, "the policy changed between the plan and the approval", checks)
                    {
                        PolicyRevisionId = (await lambda.GetPolicyAsync(plan.Function, deadline, ct).ConfigureAwait(false)).RevisionId ?? "",
                    };
                }
                catch (AwsCallException e) when (e.Code == "PreconditionFailedException" && attempt == 1)
                {
                    // Someone changed the policy meanwhile: read it again, and if it now allows us, there is nothing to add.
                    var (again, fresh) = await Read(plan, sourceArns, deadline, ct).ConfigureAwait(false);
                    if (again.Allowed)
                    {
                        return new RepairReport(finding, RepairResult.Refused, plan, RefusalReason.AlreadyAllowed, $"the policy changed meanwhile and statement {again.AllowSid} now allows API Gateway", checks);
                    }
                    policy = fresh;
                    note = "The policy changed during the repair; it was read again and the statement added to the new revision.";
                }
                catch (AwsCallException e) when (e.Code == "ResourceConflictException")
                {
                    // Our statement id exists: a concurrent invocation added it, or someone reused the id.
                    note = "A concurrent invocation had added the same statement.";
                    conflict = true;
                    break;
                }
            }
            // Verify: the statement must be in the policy read back, and the policy must now allow the request.
            var (after, _) = await Read(plan, sourceArns, deadline, ct).ConfigureAwait(false);
            if (!after.Allowed)
            {
                return new RepairReport(finding, RepairResult.Refused, plan, after.Denied ? RefusalReason.ExplicitDeny : conflict ? RefusalReason.StatementConflict : RefusalReason.VerificationFailed,
                    $"after AddPermission the policy of {plan.ResourceArn} still does not allow API Gateway from {plan.ApiId}" + (note.Length > 0 ? $" ({note.TrimEnd('.')})" : ""), checks);
            }
            checks.Add($"read back: statement {after.AllowSid} allows API Gateway from {plan.ApiId}");
            return new RepairReport(finding, RepairResult.Repaired, plan, null, note, checks);
        }
        catch (AwsCallException e)
        {
            return AwsRefusal(e, e.Operation.Replace("Lambda ", "lambda:", StringComparison.Ordinal), checks, finding, plan);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The policy read again, and whether it allows (or denies) every SourceArn the target is invoked with.</summary>
    private async Task<(PolicyVerdict Verdict, FunctionPolicy Policy)> Read(PermissionPlan plan, IReadOnlyList<string> sourceArns, DateTimeOffset deadline, CancellationToken ct)
    {
        var policy = await lambda.GetPolicyAsync(plan.Function, deadline, ct).ConfigureAwait(false);
        var verdicts = sourceArns.Select(arn => PolicyEvaluator.Evaluate(policy.Json, arn, plan.AccountId)).ToList();
        var verdict = verdicts.FirstOrDefault(v => v.Denied) ?? verdicts.FirstOrDefault(v => !v.Allowed) ?? verdicts[0];
        return (verdict, policy);
    }

    private static RepairReport AwsRefusal(AwsCallException e, string action, List<string> checks, Finding finding, PermissionPlan? plan = null)
    {
        var (reason, detail) = AwsReason(e, action);
        return new RepairReport(finding, RepairResult.Refused, plan, reason, detail, checks);
    }

    private static (RefusalReason Reason, string Detail) AwsReason(AwsCallException e, string action) =>
        e.Code is "AccessDeniedException" or "AccessDenied" || e.Status == 403
            ? (RefusalReason.AccessDenied, $"Remediator's role may not call {action} ({e.Code ?? "HTTP 403"}): grant it that action on this resource, or repair by hand")
            : e.Code == "PolicyLengthExceededException"
                ? (RefusalReason.PolicyFull, "the function's resource policy is at Lambda's 20 KB limit: remove statements that are no longer needed (aws lambda get-policy shows them; per-route grants can become one per API), then add this one")
                : (RefusalReason.AwsError, e.Message);

    private static string Show(string arn, string? qualifier) => qualifier is null ? arn : $"{arn}:{qualifier}";
}

/// <summary>A plan a person approved: the statement, where it goes, and the policy revision it was planned against.</summary>
public sealed record ApprovedPlan(string ResourceArn, string StatementId, string PolicyRevisionId);

/// <summary>What API Gateway's configuration says of a failing request's integration.</summary>
/// <param name="TimeoutMs">Its <c>timeoutInMillis</c>; null for the API type's default.</param>
/// <param name="FunctionArn">The one function that serves the request, unqualified; null when several may, or none is known.</param>
public sealed record IntegrationFacts(int? TimeoutMs, string? FunctionArn);
