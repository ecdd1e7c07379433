using System.Collections.Concurrent;
using Remediator.Core.Diagnosis;
using Remediator.Core.Repair;
using Remediator.Function.Aws;

namespace Remediator.Function.Repair;

/// <summary>
/// Repairs a missing invoke permission only after verifying, against API Gateway and Lambda themselves, that the
/// repair is right and allowed: a log line alone never grants anything (anyone who can write to a log group could
/// forge one). Every check that fails is the reason in the report; dry-run stops before the one write.
/// </summary>
public sealed class PermissionRepairer(RepairOptions options, IApiGatewayConfig apis, IPermissionStore lambda, string? region)
{
    public const string OptOutTag = "remediator:auto-repair";

    // The same function and API are never repaired twice at once (concurrent invocations race through the
    // policy's revision id and our deterministic statement id instead).
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> InFlight = new(StringComparer.Ordinal);

    public RepairMode Mode => options.Mode;

    public async Task<RepairReport> RepairAsync(Finding finding, DateTimeOffset deadline, CancellationToken ct)
    {
        var checks = new List<string>();
        RepairReport Refuse(RefusalReason reason, string detail, PermissionPlan? plan = null) =>
            new(finding, RepairResult.Refused, plan, reason, detail, checks);

        var key = finding.Key;
        if (key.ApiId is not { } apiId)
        {
            return Refuse(RefusalReason.NoIntegration, "the log does not show which API failed, so API Gateway cannot confirm the target");
        }
        if (options.Apis.Count > 0 && !options.Apis.Contains(apiId))
        {
            return Refuse(RefusalReason.ApiNotInScope, $"API {apiId} is not in {OptionNames.RepairApis} ({string.Join(", ", options.Apis)})");
        }

        // 1. API Gateway itself must integrate this API (and route) with the function.
        ApiIntegrations config;
        try
        {
            config = await apis.GetAsync(apiId, key.Stage, finding.ApiType, deadline, ct).ConfigureAwait(false);
        }
        catch (AwsCallException e)
        {
            return AwsRefusal(e, "apigateway:GET", checks, finding);
        }
        var stageVariables = config.StageVariables;
        var forRequest = LambdaIntegrations.ForRequest(config, key.HttpMethod, key.ResourcePath, key.RouteKey);
        var candidates = Functions(forRequest, stageVariables);
        var all = Functions(config.Integrations, stageVariables);
        var route = key.RouteKey ?? (key.ResourcePath is null ? "any route" : $"{key.HttpMethod ?? "*"} {key.ResourcePath}");
        FunctionRef target;
        if (key.FunctionArn is { } logged)
        {
            var named = all.FirstOrDefault(f => f.Arn == logged && f.Qualifier == key.Qualifier);
            if (named is null || (candidates.Count > 0 && !candidates.Contains(named)))
            {
                var integrated = candidates.Count > 0 ? candidates : all;
                return Refuse(RefusalReason.NotAnIntegration,
                    $"the log names {Show(logged, key.Qualifier)}, but API Gateway integrates {route} of {apiId}{(key.Stage is null ? "" : "/" + key.Stage)} with " +
                    (integrated.Count == 0 ? "no Lambda function" : string.Join(", ", integrated.Select(f => Show(f.Arn, f.Qualifier)))) +
                    ": nothing is granted on the word of a log line");
            }
            target = named;
        }
        else if (candidates.Count == 1)
        {
            target = candidates[0];
        }
        else
        {
            return candidates.Count == 0
                ? Refuse(RefusalReason.NoIntegration, $"API Gateway shows no Lambda integration for {route} of {apiId}")
                : Refuse(RefusalReason.AmbiguousTarget, $"{candidates.Count} functions serve {route} of {apiId} ({string.Join(", ", candidates.Select(f => Show(f.Arn, f.Qualifier)))}) and the log does not say which failed");
        }
        checks.Add($"API Gateway integrates {route} of {apiId}{(key.Stage is null ? "" : "/" + key.Stage)} with {Show(target.Arn, target.Qualifier)}");

        // 2. Same account as the API: a cross-account grant is the function owner's decision.
        if (finding.AccountId is not { } account)
        {
            return Refuse(RefusalReason.AccountUnknown, "the log does not show the API's account, so the grant cannot be scoped by SourceAccount");
        }
        var plan = new PermissionPlan(target, apiId, region ?? target.Region, account);
        if (target.AccountId != account)
        {
            return Refuse(RefusalReason.CrossAccount, $"the function is in account {target.AccountId} and the API in {account}: the function's owner must add the permission (command below)", plan);
        }
        checks.Add($"the function is in the API's account {account}");

        // 3. The operator allowed this function, and its owner did not opt out.
        if (!options.AllowedFunctions.Any(p => ArnGlob.Matches(p, target.Arn) || ArnGlob.Matches(p, plan.ResourceArn)))
        {
            return Refuse(RefusalReason.NotAllowListed, options.AllowedFunctions.Count == 0
                ? $"no function may be repaired until {OptionNames.RepairAllowedFunctions} names it (ARN patterns with * and ?)"
                : $"{plan.ResourceArn} matches none of {OptionNames.RepairAllowedFunctions} ({string.Join(", ", options.AllowedFunctions)})", plan);
        }
        checks.Add("the function matches the allow-list");
        try
        {
            var tags = await lambda.GetTagsAsync(target, deadline, ct).ConfigureAwait(false);
            if (tags.TryGetValue(OptOutTag, out var optOut) && optOut.Equals("false", StringComparison.OrdinalIgnoreCase))
            {
                return Refuse(RefusalReason.OptedOut, $"the function is tagged {OptOutTag}=false", plan);
            }
            checks.Add($"the function is not tagged {OptOutTag}=false");

            // 4. The policy does not already allow it (then the 500s have another cause) and nothing denies it.
            var (verdict, policy) = await Read(target, plan, key, deadline, ct).ConfigureAwait(false);
            if (verdict.Denied)
            {
                return Refuse(RefusalReason.ExplicitDeny, $"statement {verdict.DenySid} of the function's policy denies API Gateway; an Allow would not help", plan);
            }
            if (verdict.Allowed)
            {
                return Refuse(RefusalReason.AlreadyAllowed, $"statement {verdict.AllowSid} already allows API Gateway to invoke {plan.ResourceArn} from {apiId}: the 500s have another cause (a SourceArn for another stage or method, a deploy in progress, or an IAM role on the integration)", plan);
            }
            checks.Add($"the policy of {plan.ResourceArn} does not allow API Gateway from {apiId}" + (verdict.Unevaluated.Count > 0 ? $" (statements {string.Join(", ", verdict.Unevaluated)} have conditions Remediator cannot evaluate)" : ""));

            if (options.Mode != RepairMode.Auto)
            {
                return new RepairReport(finding, RepairResult.Planned, plan, null, $"set {OptionNames.RepairMode}=auto to let Remediator add it", checks);
            }
            return await Act(finding, plan, key, policy, checks, deadline, ct).ConfigureAwait(false);
        }
        catch (AwsCallException e)
        {
            return AwsRefusal(e, e.Operation.Replace("Lambda ", "lambda:", StringComparison.Ordinal), checks, finding, plan);
        }
    }

    private async Task<RepairReport> Act(Finding finding, PermissionPlan plan, FindingKey key, FunctionPolicy policy, List<string> checks, DateTimeOffset deadline, CancellationToken ct)
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
                catch (AwsCallException e) when (e.Code == "PreconditionFailedException" && attempt == 1)
                {
                    // Someone changed the policy meanwhile: read it again, and if it now allows us, there is nothing to add.
                    var (again, fresh) = await Read(plan.Function, plan, key, deadline, ct).ConfigureAwait(false);
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
            var (after, _) = await Read(plan.Function, plan, key, deadline, ct).ConfigureAwait(false);
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

    private async Task<(PolicyVerdict Verdict, FunctionPolicy Policy)> Read(FunctionRef function, PermissionPlan plan, FindingKey key, DateTimeOffset deadline, CancellationToken ct)
    {
        var policy = await lambda.GetPolicyAsync(function, deadline, ct).ConfigureAwait(false);
        return (PolicyEvaluator.Evaluate(policy.Json, RequestSourceArn(plan, key), plan.AccountId), policy);
    }

    /// <summary>
    /// The SourceArn of the failing requests. Parts the log does not show are stand-ins that only a wildcard
    /// matches, so that "already allowed" means allowed for every request the log could stand for.
    /// </summary>
    public static string RequestSourceArn(PermissionPlan plan, FindingKey key)
    {
        const string Any = "\u0001";
        var method = key.HttpMethod ?? key.RouteKey?.Split(' ')[0] ?? Any;
        var path = key.ResourcePath ?? (key.RouteKey is { } r && r.Contains(' ') ? r[(r.IndexOf(' ') + 1)..] : "/" + Any);
        return $"arn:{plan.Function.Partition}:execute-api:{plan.Region}:{plan.AccountId}:{plan.ApiId}/{key.Stage ?? Any}/{method}{path}";
    }

    private static RepairReport AwsRefusal(AwsCallException e, string action, List<string> checks, Finding finding, PermissionPlan? plan = null)
    {
        if (e.Code is "AccessDeniedException" or "AccessDenied" || e.Status == 403)
        {
            return new RepairReport(finding, RepairResult.Refused, plan, RefusalReason.AccessDenied,
                $"Remediator's role may not call {action} ({e.Code ?? "HTTP 403"}): grant it that action on this resource, or repair by hand", checks);
        }
        if (e.Code == "PolicyLengthExceededException")
        {
            return new RepairReport(finding, RepairResult.Refused, plan, RefusalReason.PolicyFull,
                "the function's resource policy is at Lambda's 20 KB limit: remove statements that are no longer needed (aws lambda get-policy shows them; per-route grants can become one per API), then add this one", checks);
        }
        return new RepairReport(finding, RepairResult.Refused, plan, RefusalReason.AwsError, e.Message, checks);
    }

    private static List<FunctionRef> Functions(IEnumerable<LambdaIntegration> integrations, IReadOnlyDictionary<string, string> stageVariables) =>
        integrations.Select(i => LambdaIntegrations.Resolve(i.Uri, stageVariables)).OfType<FunctionRef>().Distinct().ToList();

    private static string Show(string arn, string? qualifier) => qualifier is null ? arn : $"{arn}:{qualifier}";
}
