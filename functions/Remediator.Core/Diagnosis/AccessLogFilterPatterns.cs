namespace Remediator.Core.Diagnosis;

/// <summary>How an access-log group's entries are written: JSON (one object per entry) or CLF (the console presets).</summary>
public enum AccessLogFormat
{
    Json,
    Clf,
}

/// <summary>
/// The subscription filter patterns of access-log groups: every 5xx entry and nothing else. An access entry with a
/// 5xx status but no decisive phrase (an HTTP API 503 after 30 s, a bare 500) is still a finding (<c>unknown</c>,
/// <c>integration_timeout</c>), so these patterns select on the status, not on the phrase table that execution-log
/// groups use (<see cref="SubscriptionFilterTerms"/>). The CDK stack deploys exactly these strings, one filter per
/// group (a log group takes at most two subscription filters, and the owner may need the other one).
/// Syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
/// </summary>
public static class AccessLogFilterPatterns
{
    /// <summary>
    /// The status keys the JSON pattern looks at: the console presets' <c>status</c> and the spellings owners use
    /// most. The reader (<c>AccessLogEntry</c>) accepts any key whose normalised name means status; a filter pattern
    /// can only name exact keys (case-sensitive), so an entry whose status key is not in this list is not forwarded:
    /// such an owner sets <c>filterPattern</c> for the group. A test proves the reader reads each of these as the
    /// status.
    /// </summary>
    public static IReadOnlyList<string> JsonStatusKeys { get; } =
    [
        "status", "statusCode", "status_code", "httpStatus", "httpStatusCode", "http_status",
        "responseStatus", "response_status", "Status", "StatusCode",
        "context.status", "response.status",
    ];

    /// <summary>
    /// JSON access logs: each key as a JSON string starting with 5 (<c>"status":"$context.status"</c>, the console
    /// preset) or as a JSON number of at least 500 (<c>"status":$context.status</c>). Both forms, because AWS does
    /// not document whether a string wildcard matches a number or a numeric comparison a string. A quoted value may
    /// carry a '*' wildcard at its start or end (CDK's FilterPattern.stringValue renders it so:
    /// https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_logs.FilterPattern.html).
    /// </summary>
    public static string Json { get; } =
        "{ " + string.Join(" || ", JsonStatusKeys.Select(k => $"$.{k} = \"5*\" || $.{k} >= 500")) + " }";

    /// <summary>
    /// CLF access logs, REST <c>ip caller user [time] "METHOD path protocol" status length requestId extendedRequestId</c>
    /// and HTTP <c>ip - - [time] "METHOD routeKey protocol" status length requestId</c>: the sixth field starts with 5.
    /// "[...]" and "..." are one field each; the trailing <c>...</c> takes the different tails of the two presets and
    /// any integration error message an owner appends ("'...' may be specified once to match any number of
    /// columns", https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_logs.FilterPattern.html).
    /// </summary>
    public const string Clf = "[ip, caller, user, time, request, status = 5*, ...]";

    /// <summary>The pattern deployed for an access-log group of this format.</summary>
    public static string For(AccessLogFormat format) => format switch
    {
        AccessLogFormat.Json => Json,
        AccessLogFormat.Clf => Clf,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "no access-log filter pattern for this format"),
    };
}
