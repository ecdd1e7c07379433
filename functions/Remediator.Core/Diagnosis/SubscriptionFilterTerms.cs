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

    // The Invoke errors of Lambda's service model are too many to list within 1024 characters: "Exception" passes them
    // all (every name ends in it) and AuthorizerConfigurationException too. It also passes lines that quote a
    // function's own exception; those are failure lines already, and a success that mentions one costs one event.
    // Each term is the shortest piece of its phrases that still says what they say ("request timed out", not
    // "Endpoint request timed out"): a line forwarded for nothing costs one event, a phrase that no longer fits costs a
    // blind spot, so the room under the limit is kept for new phrases.
    public static IReadOnlyList<string> Terms { get; } =
    [
        "unable to decrypt", "KMS",
        "Rate Exceeded.", "InvocationLimitExceeded", "RateLimitExceeded", "Exception",
        "Lambda invocation failed", "service/operation name",
        "Invalid permissions on Lambda", "permissions to call the", "to assume the",
        "Function not found",
        "payload size exceeded", "ResponseSizeTooLarge", "body size is too long",
        "Task timed out after",
        "customer function error", "Customer Function Error", "Function-Error=Unhandled",
        "timeout error", "request timed out", "INTEGRATION_TIMEOUT",
        "Malformed Lambda proxy response", "MALFORMED_PROXY_RESPONSE", "format that API Gateway expects",
        "invalid method response", "Unable to transform",
        // Lambda authorizers.
        "Authorizer", "AUTHORIZER_", "Invalid JSON in response", "Could not parse policy",
        // Non-Lambda integrations.
        "PKIX path", "SSLEngine", "certificate subject", "internal error while", "Illegal character",
        "vpc link error", "endpoint address", "communicating with",
        // The status line of a 5xx, so that the status is known. (Whether a quoted term matches inside a longer
        // token is not documented; without it, findings still come, with the status unknown.) A gateway response
        // ends a request the same way: only its 5xx form is forwarded.
        "completed with status: 5", "with status code: 5",
    ];

    /// <summary>The filter pattern: any of the terms (<c>?"a" ?"b"</c>).</summary>
    public static string Pattern => string.Join(' ', Terms.Select(t => $"?\"{t}\""));
}
