namespace Remediator.Core.Diagnosis;

/// <summary>
/// The CloudWatch Logs subscription filter pattern that forwards only the lines that can decide a diagnosis, so
/// that successful requests cost nothing. A filter pattern is at most 1024 characters, and the decisive phrases
/// in full are longer: these terms are shorter pieces of them. The tests prove that every phrase of
/// <see cref="DecisivePhrases.Forwarded"/> contains one of these terms, so a line that decides is always forwarded.
/// Terms are case-sensitive, like filter patterns.
/// </summary>
public static class SubscriptionFilterTerms
{
    public const int MaxPatternLength = 1024;

    public static IReadOnlyList<string> Terms { get; } =
    [
        "unable to decrypt", "KMS access was denied", "KMSAccessDenied",
        "Rate Exceeded.", "InvocationLimitExceeded", "RateLimitExceeded", "TooManyRequestsException",
        "Lambda invocation failed", "service/operation name",
        "Invalid permissions on Lambda", "have permissions to call the integration", "permissions to assume the IAM role", "permission to assume the provided role",
        "Function not found",
        "Response payload size exceeded", "ResponseSizeTooLarge", "body size is too long",
        "Task timed out after",
        "customer function error", "Customer Function Error", "Function-Error=Unhandled",
        "timeout error", "Endpoint request timed out", "INTEGRATION_TIMEOUT",
        "Malformed Lambda proxy response", "MALFORMED_PROXY_RESPONSE", "format that API Gateway expects",
        "invalid method response", "Unable to transform response",
        // The status line of a 5xx, so that the status is known. (Whether a quoted term matches inside a longer
        // token is not documented; without it, findings still come, with the status unknown.)
        "completed with status: 5",
    ];

    /// <summary>The filter pattern: any of the terms (<c>?"a" ?"b"</c>).</summary>
    public static string Pattern => string.Join(' ', Terms.Select(t => $"?\"{t}\""));
}
