using System.Buffers;

namespace Remediator.Core.Diagnosis;

/// <summary>What a phrase tells the reader of a log line.</summary>
public enum PhraseRole
{
    /// <summary>The phrase alone names a cause (ranked by <see cref="DecisivePhrase.Rank"/>).</summary>
    Signal,
    /// <summary>"Method completed with status: 502": the client status.</summary>
    ClientStatus,
    /// <summary>"Lambda invocation failed with status: N": the cause depends on N.</summary>
    InvocationStatus,
    /// <summary>"... customer function error: msg. Lambda request id: ...": a function error with its message.</summary>
    CustomerError,
    /// <summary>"Function not found: arn": the cause and the function.</summary>
    FunctionNotFound,
    /// <summary>"Endpoint request URI: https://lambda.../functions/arn/invocations": the function.</summary>
    EndpointUri,
    /// <summary>"HTTP Method: GET, Resource Path: /x".</summary>
    MethodAndPath,
    /// <summary>"Integration latency: 11029 ms".</summary>
    Latency,
    /// <summary>"Endpoint response body before transformations: body": what the function returned.</summary>
    ResponseBody,
    /// <summary>"X-Amz-Source-Arn=arn:aws:execute-api:...": the API, stage, account and region.</summary>
    SourceArn,
    /// <summary>"API Key  authorized because method 'GET /books/{id}' ...": the method and the resource template.</summary>
    MethodTemplate,
    /// <summary>The proxy event API Gateway sends with data tracing starts with <c>{"resource":"/books/{id}"</c>: the resource template.</summary>
    ResourceTemplate,
    /// <summary>"Verifying Usage Plan for request: id. API Key:  API Stage: api/stage": the API and stage.</summary>
    ApiStage,
    /// <summary>"Host=a1b2c3d4e5.execute-api.us-east-1.amazonaws.com" in the method request headers: the API and region.</summary>
    HostHeader,
    /// <summary>"Key throttle limit exceeded for RestApi id, Stage s": a usage-plan 429, and the API.</summary>
    UsagePlanThrottle,
    /// <summary>A line that opens a request in logs without request ids.</summary>
    RequestStart,
    /// <summary>A line that closes a request.</summary>
    RequestEnd,
}

/// <param name="Text">The exact text as API Gateway or Lambda writes it (ordinal match).</param>
/// <param name="Role">What the phrase tells.</param>
/// <param name="Cause">For <see cref="PhraseRole.Signal"/>: the cause it names.</param>
/// <param name="Rank">Higher is the more specific root cause; it wins where evidence conflicts.</param>
/// <param name="Note">What a person should know when this phrase decides (e.g. which policy to fix).</param>
public sealed record DecisivePhrase(string Text, PhraseRole Role, Cause Cause = Cause.Unknown, int Rank = 0, string? Note = null);

/// <summary>
/// The one table of log phrases that decide a diagnosis. The classifier reads it, and so do the advice and
/// (later) the subscription filter pattern, so a phrase is added in one place only.
/// Sources: ../shared/docs/api-gateway-failure-facts.md §3 and §4 (real logs win over AWS's prose).
/// </summary>
public static class DecisivePhrases
{
    // Ranks: where one request shows several causes, the most specific root cause wins. Lambda refusing the
    // call (KMS, throttling, wrong method, permissions, not found) outranks what API Gateway made of the refusal
    // (e.g. an old log parses Lambda's throttling body as a "Malformed Lambda proxy response"); what the function's
    // error message says (timeout, 6 MB limit) outranks the generic "customer function error".
    public const int KmsRank = 100, ThrottleRank = 95, WrongMethodRank = 90, PermissionRank = 85, NotFoundRank = 80,
        PayloadRank = 75, FunctionTimeoutRank = 70, ServiceErrorRank = 65, FunctionErrorRank = 60,
        UnhandledHeaderRank = 55, IntegrationTimeoutRank = 50, MalformedRank = 40, MappingRank = 30;

    private const string CredentialsRoleNote =
        "API Gateway cannot assume the credentials role of the integration or authorizer: let apigateway.amazonaws.com assume it (trust policy) and give it lambda:InvokeFunction; the function's resource policy is not the problem";

    /// <summary>The phrases that say API Gateway could not assume a credentials role (repair refuses: not a resource-policy problem).</summary>
    public static IReadOnlyList<string> CredentialsRolePhrases { get; } =
    [
        "permissions to assume the IAM role configured on the integration",
        "does not have permission to assume the provided role",
    ];

    /// <summary>True when a finding's evidence is one of <see cref="CredentialsRolePhrases"/>.</summary>
    public static bool IsCredentialsRoleEvidence(string? evidence) =>
        evidence is not null && CredentialsRolePhrases.Any(p => evidence.Contains(p, StringComparison.Ordinal));

    public static IReadOnlyList<DecisivePhrase> All { get; } =
    [
        new("Lambda was unable to decrypt the environment variables", PhraseRole.Signal, Cause.KmsAccessDenied, KmsRank),
        new("KMS access was denied", PhraseRole.Signal, Cause.KmsAccessDenied, KmsRank),
        new("KMSAccessDeniedException", PhraseRole.Signal, Cause.KmsAccessDenied, KmsRank),

        new("configuration error: Rate Exceeded.", PhraseRole.Signal, Cause.Throttled, ThrottleRank),
        new("ConcurrentInvocationLimitExceeded", PhraseRole.Signal, Cause.Throttled, ThrottleRank),
        new("FunctionInvocationRateLimitExceeded", PhraseRole.Signal, Cause.Throttled, ThrottleRank),
        new("x-amzn-ErrorType=TooManyRequestsException", PhraseRole.Signal, Cause.Throttled, ThrottleRank),
        new("Lambda invocation failed with status: ", PhraseRole.InvocationStatus),

        new("Unable to determine service/operation name to be authorized", PhraseRole.Signal, Cause.InvalidIntegrationMethod, WrongMethodRank),

        new("Invalid permissions on Lambda function", PhraseRole.Signal, Cause.MissingInvokePermission, PermissionRank),
        new("doesn't have permissions to call the integration", PhraseRole.Signal, Cause.MissingInvokePermission, PermissionRank),
        new("doesn\u2019t have permissions to call the integration", PhraseRole.Signal, Cause.MissingInvokePermission, PermissionRank),
        // Integrations or authorizers with a credentials role: the role's trust policy is at fault, not the function's
        // policy (HTTP APIs; REST: "API Gateway does not have permission to assume the provided role <arn>").
        new(CredentialsRolePhrases[0], PhraseRole.Signal, Cause.MissingInvokePermission, PermissionRank + 1, CredentialsRoleNote),
        new(CredentialsRolePhrases[1], PhraseRole.Signal, Cause.MissingInvokePermission, PermissionRank + 1, CredentialsRoleNote),

        new("Function not found: ", PhraseRole.FunctionNotFound, Cause.FunctionNotFound, NotFoundRank),

        new("Response payload size exceeded maximum allowed payload size", PhraseRole.Signal, Cause.PayloadTooLarge, PayloadRank),
        new("Function.ResponseSizeTooLarge", PhraseRole.Signal, Cause.PayloadTooLarge, PayloadRank),
        new("body size is too long", PhraseRole.Signal, Cause.PayloadTooLarge, PayloadRank),

        new("Task timed out after ", PhraseRole.Signal, Cause.FunctionTimeout, FunctionTimeoutRank),

        new("customer function error: ", PhraseRole.CustomerError, Cause.FunctionError, FunctionErrorRank),
        new("Lambda Customer Function Error:", PhraseRole.CustomerError, Cause.FunctionError, FunctionErrorRank),
        new("X-Amz-Function-Error=Unhandled", PhraseRole.Signal, Cause.FunctionError, UnhandledHeaderRank),

        new("Execution failed due to a timeout error", PhraseRole.Signal, Cause.IntegrationTimeout, IntegrationTimeoutRank),
        new("Endpoint request timed out", PhraseRole.Signal, Cause.IntegrationTimeout, IntegrationTimeoutRank),
        new("INTEGRATION_TIMEOUT", PhraseRole.Signal, Cause.IntegrationTimeout, IntegrationTimeoutRank),

        new("Malformed Lambda proxy response", PhraseRole.Signal, Cause.MalformedProxyResponse, MalformedRank),
        new("MALFORMED_PROXY_RESPONSE", PhraseRole.Signal, Cause.MalformedProxyResponse, MalformedRank),
        new("doesn't match the format that API Gateway expects", PhraseRole.Signal, Cause.MalformedProxyResponse, MalformedRank),

        new("Output mapping refers to an invalid method response", PhraseRole.Signal, Cause.MappingError, MappingRank),
        new("Unable to transform response", PhraseRole.Signal, Cause.MappingError, MappingRank),

        new("Method completed with status: ", PhraseRole.ClientStatus),
        new("Endpoint request URI: ", PhraseRole.EndpointUri),
        new("Sending request to ", PhraseRole.EndpointUri),
        new("HTTP Method: ", PhraseRole.MethodAndPath),
        new("Integration latency: ", PhraseRole.Latency),
        new("Endpoint response body before transformations:", PhraseRole.ResponseBody),
        new("X-Amz-Source-Arn=", PhraseRole.SourceArn),
        new("Key throttle limit exceeded for RestApi ", PhraseRole.UsagePlanThrottle),
        new("authorized because method '", PhraseRole.MethodTemplate),
        new("Endpoint request body after transformations: {\"resource\":\"", PhraseRole.ResourceTemplate),
        new("API Stage: ", PhraseRole.ApiStage),
        new("Host=", PhraseRole.HostHeader),
        new("Execution log for request ", PhraseRole.RequestStart),
        new("Extended Request Id: ", PhraseRole.RequestStart),
        new("Starting execution for request: ", PhraseRole.RequestStart),
        new("Successfully completed execution", PhraseRole.RequestEnd),
    ];

    /// <summary>All phrase texts at once, for a single multi-string search per line (no per-line regex).</summary>
    internal static SearchValues<string> Search { get; } =
        SearchValues.Create(All.Select(p => p.Text).ToArray(), StringComparison.Ordinal);

    /// <summary>The phrase that starts at the beginning of <paramref name="text"/>; the longest when several do.</summary>
    internal static DecisivePhrase? At(ReadOnlySpan<char> text)
    {
        DecisivePhrase? best = null;
        foreach (var phrase in All)
        {
            if (text.StartsWith(phrase.Text, StringComparison.Ordinal) && (best is null || phrase.Text.Length > best.Text.Length))
            {
                best = phrase;
            }
        }
        return best;
    }

    /// <summary>Calls <paramref name="onMatch"/> for every phrase occurrence in <paramref name="text"/>, in order.</summary>
    internal static void Scan<TState>(ReadOnlySpan<char> text, ref TState state, PhraseVisitor<TState> onMatch)
    {
        var offset = 0;
        while (offset < text.Length)
        {
            var rest = text[offset..];
            var index = rest.IndexOfAny(Search);
            if (index < 0)
            {
                return;
            }
            var phrase = At(rest[index..])!;
            onMatch(ref state, phrase, text, offset + index);
            offset += index + phrase.Text.Length;
        }
    }

    /// <summary>The phrases whose presence in a line makes the line worth forwarding to the function.</summary>
    public static IEnumerable<string> Forwarded =>
        All.Where(p => p.Role is PhraseRole.Signal or PhraseRole.CustomerError or PhraseRole.FunctionNotFound
            or PhraseRole.InvocationStatus or PhraseRole.ClientStatus).Select(p => p.Text);
}

internal delegate void PhraseVisitor<TState>(ref TState state, DecisivePhrase phrase, ReadOnlySpan<char> text, int index);
