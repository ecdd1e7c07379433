using System.Text.Json;
using Remediator.Core.Advice;
using Remediator.Core.Diagnosis;
using Remediator.Core.Notify;
using Remediator.Core.Repair;
using Remediator.Function.Aws;
using Remediator.Function.Notify;
using Remediator.Function.Observability;
using Remediator.Function.Repair;

namespace Remediator.Function.Approval;

/// <summary>
/// The approval page. GET verifies the link and shows the plan; it changes nothing. POST verifies the link and the
/// caller's source address, then runs every check automatic repair runs against API Gateway and Lambda as they are
/// now, and adds the statement only while the policy is still at the revision the person saw (otherwise the plan is
/// made again and a new link shown). The result page gives the undo command; a follow-up message goes to the topic
/// and the approval is logged with the source address. The statement id is deterministic, so a link used twice
/// finds its statement in place and says so.
/// </summary>
public sealed class ApprovalService(ApprovalOptions options, ApprovalLinks links, PermissionRepairer repairer, IPermissionStore lambda,
    IMessagePublisher publisher, TimeProvider time, JsonLog log, TimeSpan? budget = null)
{
    private readonly TimeSpan _budget = budget ?? TimeSpan.FromSeconds(25);

    public async Task<FunctionUrlResponse> HandleAsync(FunctionUrlRequest request, CancellationToken ct = default)
    {
        var deadline = time.GetUtcNow() + _budget;
        var method = request.Method;
        if (method is not ("GET" or "HEAD" or "POST") || (request.RawPath is { } path && path is not ("/" or "")))
        {
            return Page(404, ApprovalPages.NotFound());
        }
        var value = method == "POST"
            ? FunctionUrlRequest.Field(request.BodyText(), ApprovalLinks.Parameter)
            : request.QueryStringParameters?.GetValueOrDefault(ApprovalLinks.Parameter) ?? FunctionUrlRequest.Field(request.RawQueryString ?? "", ApprovalLinks.Parameter);
        try
        {
            var check = await links.VerifyAsync(value, deadline, ct).ConfigureAwait(false);
            if (check.Status != LinkStatus.Valid || check.Token!.Plan() is not { } plan)
            {
                log.Write(LogLevel.Warn, "approval link refused", ("status", check.Status.ToString().ToLowerInvariant()), ("detail", check.Detail),
                    ("method", method), ("sourceIp", request.SourceIp));
                return check.Status == LinkStatus.Expired ? Page(410, ApprovalPages.Expired(check.Token!)) : Page(403, ApprovalPages.Tampered(check.Detail));
            }
            var token = check.Token;
            if (method != "POST")
            {
                var policy = await lambda.GetPolicyAsync(plan.Function, deadline, ct).ConfigureAwait(false);
                if (HasStatement(policy.Json, plan.StatementId))
                {
                    return Page(200, ApprovalPages.AlreadyApplied(plan));
                }
                var notice = (policy.RevisionId ?? "") == token.PolicyRevisionId ? null
                    : "The policy changed since this plan was made. Approving checks everything again; if the statement is still needed, you get a new link to approve.";
                return Page(200, ApprovalPages.Plan(token, plan, value!, notice));
            }
            if (!options.Allows(request.SourceIp))
            {
                log.Write(LogLevel.Warn, "approval refused (source address)", ("sourceIp", request.SourceIp), ("statementId", plan.StatementId), ("target", plan.ResourceArn));
                return Page(403, ApprovalPages.Forbidden(request.SourceIp));
            }
            return await ApproveAsync(token, plan, request, deadline, ct).ConfigureAwait(false);
        }
        catch (AwsCallException e)
        {
            log.Write(LogLevel.Error, "approval failed", ("error", e.Code), ("detail", Scrubber.Clean(e.Message, 500)), ("sourceIp", request.SourceIp));
            return Page(503, ApprovalPages.Failed(e.Message));
        }
    }

    private async Task<FunctionUrlResponse> ApproveAsync(ApprovalToken token, PermissionPlan plan, FunctionUrlRequest request, DateTimeOffset deadline, CancellationToken ct)
    {
        var reports = await repairer.RepairAsync(FindingOf(token), repairer.NewSession(), deadline, ct,
            new ApprovedPlan(plan.ResourceArn, plan.StatementId, token.PolicyRevisionId)).ConfigureAwait(false);
        var report = reports.FirstOrDefault(r => r.Plan?.ResourceArn == plan.ResourceArn && r.Plan.StatementId == plan.StatementId) ?? reports[0];
        var fields = new (string, object?)[] { ("sourceIp", request.SourceIp), ("userAgent", request.RequestContext?.Http?.UserAgent), ("statementId", plan.StatementId),
            ("target", plan.ResourceArn), ("apiId", plan.ApiId), ("plannedRevision", token.PolicyRevisionId) };
        switch (report.Result)
        {
            case RepairResult.Repaired:
                log.Write(LogLevel.Info, "approval applied", [.. fields, ("undo", plan.UndoCommand)]);
                await PublishAsync(report, request, deadline, ct).ConfigureAwait(false);
                return Page(200, ApprovalPages.Result(report));
            case RepairResult.Planned when report.Plan is { } again:
                // The policy moved: the person approved another revision. Plan again, sign again, show the new link.
                var link = await links.MakeAsync(report, deadline, ct).ConfigureAwait(false);
                log.Write(LogLevel.Info, "approval planned again (policy moved)", [.. fields, ("currentRevision", report.PolicyRevisionId)]);
                return Page(409, ApprovalPages.Moved(token, again, link));
            default:
                if (report.Refusal == RefusalReason.AlreadyAllowed
                    && HasStatement((await lambda.GetPolicyAsync(plan.Function, deadline, ct).ConfigureAwait(false)).Json, plan.StatementId))
                {
                    log.Write(LogLevel.Info, "approval replayed (already applied)", fields);
                    return Page(200, ApprovalPages.AlreadyApplied(plan));
                }
                log.Write(LogLevel.Warn, "approval refused", [.. fields, ("refusal", report.Refusal is { } r ? RepairReport.ReasonName(r) : null),
                    ("detail", Scrubber.Clean(report.Detail, 500))]);
                return Page(report.Refusal is RefusalReason.AwsError or RefusalReason.AccessDenied ? 503 : 409, ApprovalPages.Refused(report));
        }
    }

    /// <summary>Tells the topic what was approved and done, like any repair report; a failure to publish does not undo it.</summary>
    private async Task PublishAsync(RepairReport report, FunctionUrlRequest request, DateTimeOffset deadline, CancellationToken ct)
    {
        var approved = report with { Checks = [.. report.Checks, $"approved through the approval page from {request.SourceIp ?? "an unknown address"}"] };
        var item = new DigestItem(FindingSanitizer.Clean(approved.Finding), approved);
        foreach (var message in DigestMessages.Build([item], new DigestContext(report.Plan!.AccountId, report.Plan.Region,
            RateNote: "a person approved this repair; the failures it answers were reported in the message that carried the link")))
        {
            try
            {
                var id = await publisher.PublishAsync(message, deadline, ct).ConfigureAwait(false);
                log.Write(LogLevel.Info, "approval published", ("messageId", id), ("findingId", report.Finding.Id));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.Write(LogLevel.Error, "approval not published", ("error", e.GetType().Name), ("detail", Scrubber.Clean(e.Message, 500)));
            }
        }
    }

    /// <summary>The finding the token was planned for, as the repairer needs it: the API, stage, route, function and account.</summary>
    internal static Finding FindingOf(ApprovalToken t)
    {
        var key = new FindingKey(Cause.MissingInvokePermission, t.ApiId, t.Stage, t.HttpMethod, t.ResourcePath, t.RouteKey, t.FunctionArn, t.Qualifier);
        var facts = new FindingFacts(t.ApiType, LogKind.Execution, null, null, null, null, t.AccountId, t.Region, null, []);
        return new Finding
        {
            Id = key.Id,
            Key = key,
            Count = 1,
            Status = 500,
            ApiType = t.ApiType,
            LogKind = LogKind.Execution,
            RequestIds = [],
            AccountId = t.AccountId,
            Region = t.Region,
            Advice = AdviceBook.For(key, facts),
        };
    }

    private static bool HasStatement(string? policy, string sid)
    {
        if (policy is null)
        {
            return false;
        }
        try
        {
            using var doc = JsonDocument.Parse(policy);
            return doc.RootElement.TryGetProperty("Statement", out var statements) && statements.ValueKind == JsonValueKind.Array
                && statements.EnumerateArray().Any(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("Sid", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() == sid);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static FunctionUrlResponse Page(int status, string html) => new() { StatusCode = status, Headers = ApprovalPages.Headers(), Body = html };
}
