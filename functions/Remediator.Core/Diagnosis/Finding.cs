using System.Security.Cryptography;
using System.Text;

namespace Remediator.Core.Diagnosis;

/// <summary>
/// Requests that failed for the same cause (and, for an authorizer, the same reason) on the same API, stage, method and
/// path (or route) and function. An authorizer that throws and one that returns a bad policy are two problems with two
/// fixes, so the reason is part of the key.
/// </summary>
public sealed record FindingKey(Cause Cause, string? ApiId, string? Stage, string? HttpMethod, string? ResourcePath,
    string? RouteKey, string? FunctionArn, string? Qualifier, FailureReason? Reason = null)
{
    private const int RecentKeys = 64; // a power of two

    // The aggregator and the timeline both ask for the key of every failed request, and the failures of a log fall
    // into few findings: a key seen recently is handed out again rather than made anew (per thread: keys are
    // immutable, the cache is not).
    [ThreadStatic]
    private static FindingKey?[]? t_recent;

    public static FindingKey Of(FailedRequest r)
    {
        var recent = t_recent ??= new FindingKey?[RecentKeys];
        ref var slot = ref recent[HashCode.Combine(r.Cause, r.Reason, r.ApiId?.Length, r.Stage?.Length, r.HttpMethod?.Length,
            r.ResourcePath?.GetHashCode(StringComparison.Ordinal), r.FunctionArn?.GetHashCode(StringComparison.Ordinal)) & (RecentKeys - 1)];
        if (slot is { } known && known.Cause == r.Cause && known.Reason == r.Reason && known.ApiId == r.ApiId && known.Stage == r.Stage
            && known.HttpMethod == r.HttpMethod && known.ResourcePath == r.ResourcePath && known.RouteKey == r.RouteKey
            && known.FunctionArn == r.FunctionArn && known.Qualifier == r.Qualifier)
        {
            return known;
        }
        return slot = new(r.Cause, r.ApiId, r.Stage, r.HttpMethod, r.ResourcePath, r.RouteKey, r.FunctionArn, r.Qualifier, r.Reason);
    }

    /// <summary>
    /// A stable id (16 hex characters of a SHA-256 of the key): the same problem gets the same id in every
    /// delivery and every run, so that consumers can de-duplicate re-sent findings.
    /// </summary>
    public string Id
    {
        get
        {
            // The reason joins the hash only where there is one: the ids of every other finding stay what they were.
            var text = string.Join('\u001f', Cause.ToName(), ApiId, Stage, HttpMethod, ResourcePath, RouteKey, FunctionArn, Qualifier)
                + (Reason is { } reason ? "\u001f" + reason.ToName() : "");
            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
        }
    }
}

/// <summary>One problem to act on: what failed, how often, since when, the evidence and the fix.</summary>
public sealed record Finding
{
    public const int MaxSampleRequestIds = 10;

    public required string Id { get; init; }
    public required FindingKey Key { get; init; }
    public Cause Cause => Key.Cause;
    public FailureReason? Reason => Key.Reason;
    public required int Count { get; init; }
    public int? Status { get; init; }
    public ApiType? ApiType { get; init; }
    public required LogKind LogKind { get; init; }
    public string? ErrorType { get; init; }
    public string? ErrorMessage { get; init; }
    public long? IntegrationLatencyMs { get; init; }
    public required IReadOnlyList<string> RequestIds { get; init; }
    public DateTimeOffset? FirstSeen { get; init; }
    public DateTimeOffset? LastSeen { get; init; }
    public string? Evidence { get; init; }
    public string? Note { get; init; }
    public string? ResponseProblem { get; init; }
    public string? AccountId { get; init; }
    public string? Region { get; init; }
    public string? LogGroup { get; init; }
    public required Advice.Advice Advice { get; init; }
}

/// <summary>Counts over everything read, findings or not.</summary>
/// <param name="Requests">Requests seen (each execution-log request once, each access-log entry once).</param>
/// <param name="Failed">Requests that ended in a 5xx or whose log shows a failure.</param>
/// <param name="Findings">Distinct findings.</param>
/// <param name="Unclassified">Failed requests whose cause is <c>unknown</c>.</param>
public sealed record DiagnosisSummary(long Requests, long Failed, int Findings, long Unclassified);

/// <param name="Warnings">What the input leaves ambiguous (ids that could be one request or two, several requests
/// under one id, requests whose API is not shown among several): said, not guessed. For standard error, not the report.</param>
public sealed record DiagnosisResult(IReadOnlyList<Finding> Findings, DiagnosisSummary Summary, IReadOnlyList<string>? Warnings = null)
{
    public IReadOnlyList<string> Warnings { get; init; } = Warnings ?? [];
}
