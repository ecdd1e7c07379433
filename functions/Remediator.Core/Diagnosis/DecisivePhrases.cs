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
    /// <summary>"Authorizer result body before parsing: body": what the Lambda authorizer returned (its error object when it threw).</summary>
    AuthorizerResult,
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
    /// <summary>"Gateway response type: DEFAULT_5XX with status code: 500": closes a request API Gateway answered itself, with its status.</summary>
    GatewayResponse,
    /// <summary>A phrase that looks like a failure but is a client-side decision (a 4xx): it must not count as any cause.</summary>
    NotAFailure,
}

/// <summary>An error of Lambda's Invoke API (Lambda service model, operation Invoke) and what it means behind API Gateway.</summary>
/// <param name="Name">The error's name as Lambda returns it (x-amzn-ErrorType, the error body's type).</param>
/// <param name="Cause">The cause it maps to.</param>
/// <param name="Note">What to do about it, shown with the finding.</param>
/// <param name="Generic">True when the name is common outside Lambda (a function's own AWS SDK calls throw it too): only the
/// header form <c>ErrorType=Name</c> counts, never the bare name inside a function's error message.</param>
public sealed record InvokeError(string Name, Cause Cause, string Note, bool Generic = false);

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
    // An authorizer failure ranks low: when the authorizer function itself may not be invoked, is throttled or
    // cannot decrypt its environment, API Gateway still ends with "AuthorizerConfigurationException", and the
    // specific reason (a missing invoke permission, which repair fixes) must win. A non-Lambda endpoint error ranks
    // lowest of the signals: any Lambda line in the same request is the more specific account.
    public const int KmsRank = 100, ThrottleRank = 95, InvokeErrorRank = 92, WrongMethodRank = 90, PermissionRank = 85, NotFoundRank = 80,
        PayloadRank = 75, FunctionTimeoutRank = 70, ServiceErrorRank = 65, FunctionErrorRank = 60,
        UnhandledHeaderRank = 55, IntegrationTimeoutRank = 50, AuthorizerRank = 45, MalformedRank = 40, EndpointRank = 35,
        RequestMappingRank = 31, MappingRank = 30;

    private const string CredentialsRoleNote =
        "API Gateway cannot assume the credentials role of the integration or authorizer: let apigateway.amazonaws.com assume it (trust policy) and give it lambda:InvokeFunction; the function's resource policy is not the problem";

    private const string VpcNote = "Lambda could not set up the function's VPC networking, so it never ran";
    private const string NotReadyNote = "the function is not ready to run: wait for its State to be Active and its LastUpdateStatus Successful (aws lambda get-function-configuration), or find why the last update failed";
    private const string FileSystemNote = "Lambda could not mount the function's file system, so it never ran: check the mount target or access point in the function's subnets, the security groups (NFS, port 2049) and the access point's policy";
    private const string SnapStartNote = "Lambda could not restore the function's SnapStart snapshot";
    private const string PackageNote = "Lambda cannot start the function's code: ";
    private const string NetworkNote = "API Gateway's connection to the endpoint failed (refused, reset or closed): check that the endpoint is up and listening on the integration's port, that a load balancer has healthy targets in every enabled zone, and that the endpoint keeps idle connections open longer than API Gateway does";

    /// <summary>
    /// Every error of Lambda's Invoke operation (botocore's Lambda service model, service-2.json, operation Invoke),
    /// each with its cause and what to do. API Gateway shows them as the failed invocation's error type
    /// (<c>x-amzn-ErrorType=Name</c>) and body. A test reads a copy of the model and proves this list is complete.
    /// </summary>
    public static IReadOnlyList<InvokeError> InvokeErrors { get; } =
    [
        new("ENILimitReachedException", Cause.LambdaInvokeError, VpcNote + ": the VPC's network-interface limit is reached; ask for a higher ENI quota (Service Quotas: Amazon VPC network interfaces per Region) or free interfaces, or give the function subnets that share fewer interfaces"),
        new("SubnetIPAddressLimitReachedException", Cause.LambdaInvokeError, VpcNote + ": a configured subnet has no free IP address; add subnets with free addresses (or larger ones) to the function's VPC configuration"),
        new("EC2ThrottledException", Cause.LambdaInvokeError, VpcNote + ": EC2 throttled Lambda while it set up the function's network interfaces; retry with backoff, and ask for a higher EC2 API rate limit if it persists"),
        new("EC2AccessDeniedException", Cause.LambdaInvokeError, VpcNote + ": the execution role lacks the EC2 permissions for VPC access; attach AWSLambdaVPCAccessExecutionRole (ec2:CreateNetworkInterface, DescribeNetworkInterfaces, DeleteNetworkInterface)"),
        new("EC2UnexpectedException", Cause.LambdaInvokeError, VpcNote + ": EC2 answered Lambda with an unexpected error; retry, and check the AWS Health Dashboard for EC2 and Lambda"),
        new("InvalidSubnetIDException", Cause.LambdaInvokeError, VpcNote + ": a subnet in the function's VPC configuration does not exist (deleted?); fix the subnet ids"),
        new("InvalidSecurityGroupIDException", Cause.LambdaInvokeError, VpcNote + ": a security group in the function's VPC configuration does not exist (deleted?); fix the security group ids"),
        new("ResourceNotReadyException", Cause.LambdaInvokeError, NotReadyNote + "; an Inactive function whose VPC connection lapsed becomes Active again on its own, retry in a minute"),
        new("ResourceConflictException", Cause.LambdaInvokeError, NotReadyNote + " (another operation, such as an update, is in progress)", Generic: true),
        new("SnapStartNotReadyException", Cause.LambdaInvokeError, NotReadyNote + " (SnapStart is still creating the snapshot of the published version)"),
        new("SnapStartTimeoutException", Cause.LambdaInvokeError, SnapStartNote + " within its time limit; retry, and keep the snapshot's initialisation small"),
        new("SnapStartException", Cause.LambdaInvokeError, SnapStartNote + ": the function's afterRestore runtime hook failed; read its log and fix the hook"),
        new("EFSMountConnectivityException", Cause.LambdaInvokeError, FileSystemNote),
        new("EFSMountFailureException", Cause.LambdaInvokeError, FileSystemNote),
        new("EFSMountTimeoutException", Cause.LambdaInvokeError, FileSystemNote),
        new("EFSIOException", Cause.LambdaInvokeError, "reading or writing the function's EFS file system failed; check the file system's health and throughput limits"),
        new("S3FilesMountConnectivityException", Cause.LambdaInvokeError, FileSystemNote),
        new("S3FilesMountFailureException", Cause.LambdaInvokeError, FileSystemNote),
        new("S3FilesMountTimeoutException", Cause.LambdaInvokeError, FileSystemNote),
        new("InvalidRuntimeException", Cause.LambdaInvokeError, PackageNote + "its runtime or runtime version is not supported (deprecated?); move the function to a supported runtime"),
        new("InvalidZipFileException", Cause.LambdaInvokeError, PackageNote + "Lambda could not unzip the deployment package; rebuild and redeploy it"),
        new("RecursiveInvocationException", Cause.LambdaInvokeError, "Lambda detected the function in a recursive loop with other AWS resources and stopped it; break the loop (a function that triggers itself through a queue, topic or bucket)"),
        new("RequestTooLargeException", Cause.LambdaInvokeError, "the request API Gateway passed on is over Lambda's 6 MB limit for synchronous invocations; have clients upload large bodies to S3 (a presigned URL) and send the key"),
        new("SerializedRequestEntityTooLargeException", Cause.LambdaInvokeError, "the request API Gateway passed on is over Lambda's size limit once serialised; have clients upload large bodies to S3 (a presigned URL) and send the key"),
        new("InvalidParameterValueException", Cause.LambdaInvokeError, "Lambda rejected a parameter of the invocation; check the integration's function ARN, qualifier and stage variables", Generic: true),
        new("DurableExecutionAlreadyStartedException", Cause.LambdaInvokeError, "a durable execution of that name was started already; give each durable execution a unique name"),
        new("UnsupportedMediaTypeException", Cause.RequestMappingError, "Lambda refused the request body API Gateway built because it is not JSON; fix the integration's request template (Content-Type mapping)"),
        new("InvalidRequestContentException", Cause.RequestMappingError, "Lambda could not parse the request body API Gateway built as JSON; fix the integration's request template"),
        new("KMSAccessDeniedException", Cause.KmsAccessDenied, "KMS denied Lambda the key that encrypts the function's environment"),
        new("KMSDisabledException", Cause.KmsAccessDenied, "the KMS key that encrypts the function's environment is disabled: enable it"),
        new("KMSNotFoundException", Cause.KmsAccessDenied, "the KMS key that encrypts the function's environment no longer exists: point the function at an existing key (or the AWS managed key)"),
        new("KMSInvalidStateException", Cause.KmsAccessDenied, "the KMS key that encrypts the function's environment is in a state that cannot decrypt (pending deletion or import?): cancel the deletion or use another key"),
        new("TooManyRequestsException", Cause.Throttled, "Lambda throttled the invocation", Generic: true),
        new("ServiceException", Cause.LambdaServiceError, "Lambda had an internal error", Generic: true),
        new("ResourceNotFoundException", Cause.FunctionNotFound, "Lambda has no such function, alias or version", Generic: true),
        new("NoPublishedVersionException", Cause.FunctionNotFound, "the integration names a published version but the function has none: publish a version or point the integration at the unqualified function"),
    ];

    // API Gateway could not read what the authorizer returned as an authorizer response.
    private const string InvalidJsonInResponse = "Invalid JSON in response", CouldNotParsePolicy = "Could not parse policy";

    /// <summary>True for the phrases that say API Gateway could not read the authorizer's output as an authorizer response.</summary>
    internal static bool SaysInvalidAuthorizerResponse(DecisivePhrase phrase) => phrase.Text is InvalidJsonInResponse or CouldNotParsePolicy;

    /// <summary>What an authorizer failure's reason means, for the finding's note (the phrases' own notes say what API Gateway saw).</summary>
    public static string AuthorizerNote(FailureReason reason) => reason switch
    {
        FailureReason.Threw => "the authorizer function threw or crashed (at start too): API Gateway got a Lambda error object instead of an authorizer response",
        FailureReason.Timeout => "the authorizer function ran into its own timeout",
        FailureReason.InvalidResponse => "the authorizer returned something that is not an authorizer response: an object with principalId, a policyDocument (or, for HTTP API simple responses, isAuthorized), and a context of string, number or boolean values only",
        _ => "API Gateway could not use the Lambda authorizer; the log does not say whether it threw, timed out or returned a bad response: its own log does",
    };

    /// <summary>The phrase an Invoke error is recognised by: its name, or for a generic name only its header form.</summary>
    public static string PhraseOf(InvokeError error) => error.Generic ? "ErrorType=" + error.Name : error.Name;

    private static int RankOf(Cause cause) => cause switch
    {
        Cause.KmsAccessDenied => KmsRank,
        Cause.Throttled => ThrottleRank,
        Cause.FunctionNotFound => NotFoundRank,
        Cause.LambdaServiceError => ServiceErrorRank,
        _ => InvokeErrorRank,
    };

    /// <summary>The phrases that say API Gateway could not assume a credentials role (repair refuses: not a resource-policy problem).</summary>
    public static IReadOnlyList<string> CredentialsRolePhrases { get; } =
    [
        "permissions to assume the IAM role configured on the integration",
        "does not have permission to assume the provided role",
    ];

    /// <summary>True when a finding's evidence is one of <see cref="CredentialsRolePhrases"/>.</summary>
    public static bool IsCredentialsRoleEvidence(string? evidence) =>
        evidence is not null && CredentialsRolePhrases.Any(p => evidence.Contains(p, StringComparison.Ordinal));

    public static IReadOnlyList<DecisivePhrase> All { get; } = [.. Table(), .. InvokeErrors.Select(e => new DecisivePhrase(PhraseOf(e), PhraseRole.Signal, e.Cause, RankOf(e.Cause), e.Note))];

    private static DecisivePhrase[] Table() =>
    [
        new("Lambda was unable to decrypt the environment variables", PhraseRole.Signal, Cause.KmsAccessDenied, KmsRank),
        new("KMS access was denied", PhraseRole.Signal, Cause.KmsAccessDenied, KmsRank),

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
        new(CredentialsRolePhrases[0], PhraseRole.Signal, Cause.CredentialsRoleNotAssumable, PermissionRank + 1, CredentialsRoleNote),
        new(CredentialsRolePhrases[1], PhraseRole.Signal, Cause.CredentialsRoleNotAssumable, PermissionRank + 1, CredentialsRoleNote),

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

        // Lambda authorizers (REST TOKEN/REQUEST, HTTP API): API Gateway could not use the authorizer. Its 401/403
        // decisions are not failures and write none of these.
        new("AuthorizerConfigurationException", PhraseRole.Signal, Cause.AuthorizerFailure, AuthorizerRank,
            "API Gateway could not use the Lambda authorizer's answer: it threw, crashed, timed out or returned something that is not a policy"),
        new("configuration error: Authorizer error", PhraseRole.Signal, Cause.AuthorizerFailure, AuthorizerRank + 1,
            "the authorizer function failed (threw an error other than \"Unauthorized\", crashed at start, or timed out)"),
        new(InvalidJsonInResponse, PhraseRole.Signal, Cause.AuthorizerFailure, AuthorizerRank + 2,
            "the authorizer returned something API Gateway cannot read as its output: an object with principalId, a policyDocument, and a context of string, number or boolean values only"),
        new(CouldNotParsePolicy, PhraseRole.Signal, Cause.AuthorizerFailure, AuthorizerRank + 2,
            "the authorizer returned no valid policyDocument (null, or a proxy-style response instead of {principalId, policyDocument})"),
        new("AUTHORIZER_CONFIGURATION_ERROR", PhraseRole.Signal, Cause.AuthorizerFailure, AuthorizerRank,
            "API Gateway could not use the Lambda authorizer (AUTHORIZER_CONFIGURATION_ERROR)"),
        new("AUTHORIZER_FAILURE", PhraseRole.Signal, Cause.AuthorizerFailure, AuthorizerRank,
            "the authorizer failed to authenticate the caller with an error (AUTHORIZER_FAILURE)"),
        // HTTP API IAM authorization: a 403 for a badly signed request, not a malformed Lambda response.
        new("The request for the IAM Authorizer doesn't match the format", PhraseRole.NotAFailure),

        // Non-Lambda integrations (HTTP, HTTP_PROXY, VPC link): wordings from AWS's knowledge-center pages (docs/causes.md).
        new("PKIX path building failed", PhraseRole.Signal, Cause.IntegrationEndpointError, EndpointRank,
            "the endpoint's TLS certificate is not trusted by API Gateway (self-signed, or a CA API Gateway does not trust)"),
        new("PKIX path validation failed", PhraseRole.Signal, Cause.IntegrationEndpointError, EndpointRank,
            "the endpoint's TLS certificate failed validation (expired, or its chain is incomplete)"),
        new("General SSLEngine problem", PhraseRole.Signal, Cause.IntegrationEndpointError, EndpointRank,
            "the TLS handshake with the endpoint failed (untrusted, expired or incomplete certificate chain)"),
        new("does not match the certificate subject provided by the peer", PhraseRole.Signal, Cause.IntegrationEndpointError, EndpointRank,
            "the endpoint's certificate is for another host name than the integration calls"),
        new("There was an internal error while executing your request", PhraseRole.Signal, Cause.IntegrationEndpointError, EndpointRank - 1,
            "API Gateway could not reach the integration endpoint; with a VPC link: the link is not AVAILABLE, its targets are unhealthy, or security groups or network ACLs block the traffic"),
        new("Illegal character in path", PhraseRole.Signal, Cause.IntegrationEndpointError, EndpointRank,
            "the integration's endpoint URL holds an unmapped path variable such as {proxy+}: map it in the integration request (URL path parameters)"),
        // "Execution failed due to an vpc link error" (API Gateway's grammar): the one VPC link wording found in a public log.
        new("vpc link error", PhraseRole.Signal, Cause.IntegrationEndpointError, EndpointRank,
            "the integration's VPC link failed to carry the request: check that the VPC link is AVAILABLE, that the load balancer's targets are healthy in every enabled zone, and that security groups and network ACLs let the traffic through; a single one is usually transient"),
        // AWS's own troubleshooting runbook (AWSSupport-TroubleshootAPIGatewayHttpErrors) matches these two wordings; the
        // execution line is lower-case inside "Execution failed due to a network error ...", the client's message capitalised.
        new("Invalid endpoint address", PhraseRole.Signal, Cause.IntegrationEndpointError, EndpointRank,
            "the integration's endpoint URL is not an address API Gateway can call: check the integration URI, its scheme (https://) and every stage variable or path parameter in it (one that resolves to nothing leaves no host)"),
        new("network error communicating with endpoint", PhraseRole.Signal, Cause.IntegrationEndpointError, EndpointRank,
            NetworkNote),
        new("Network error communicating with endpoint", PhraseRole.Signal, Cause.IntegrationEndpointError, EndpointRank,
            NetworkNote),

        new("Unable to transform request", PhraseRole.Signal, Cause.RequestMappingError, RequestMappingRank),
        new("Output mapping refers to an invalid method response", PhraseRole.Signal, Cause.MappingError, MappingRank),
        new("Unable to transform response", PhraseRole.Signal, Cause.MappingError, MappingRank),

        new("Method completed with status: ", PhraseRole.ClientStatus),
        new("Gateway response type: ", PhraseRole.GatewayResponse),
        new("Endpoint request URI: ", PhraseRole.EndpointUri),
        new("Sending request to ", PhraseRole.EndpointUri),
        new("HTTP Method: ", PhraseRole.MethodAndPath),
        new("Integration latency: ", PhraseRole.Latency),
        new("Endpoint response body before transformations:", PhraseRole.ResponseBody),
        new("Authorizer result body before parsing:", PhraseRole.AuthorizerResult),
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

    // Scan searches through Scan.PhraseSearch (a SearchValues<string> of them falls back to Aho-Corasick, char by char),
    // which also names the phrase it found; At compares only the phrases that start with the char in front of it. Both
    // choose the longest phrase, in table order at equal length: the choice the loop over All made.
    private static readonly Scan.PhraseSearch Phrases = new(All.Select(p => p.Text));
    private static readonly DecisivePhrase[] ByIndex = [.. All]; // All as an array: no interface call per phrase found
    private static readonly Dictionary<char, DecisivePhrase[]> ByFirstChar =
        All.GroupBy(p => p.Text[0]).ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.Text.Length).ToArray());

    /// <summary>The phrase that starts at the beginning of <paramref name="text"/>; the longest when several do.</summary>
    internal static DecisivePhrase? At(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || !ByFirstChar.TryGetValue(text[0], out var candidates))
        {
            return null;
        }
        foreach (var phrase in candidates)
        {
            if (text.StartsWith(phrase.Text, StringComparison.Ordinal))
            {
                return phrase;
            }
        }
        return null;
    }

    /// <summary>Calls <paramref name="onMatch"/> for every phrase occurrence in <paramref name="text"/>, in order.</summary>
    internal static void Scan<TState>(ReadOnlySpan<char> text, ref TState state, PhraseVisitor<TState> onMatch)
    {
        var offset = 0;
        while (offset < text.Length)
        {
            var rest = text[offset..];
            var index = Phrases.IndexIn(rest, out var which);
            if (index < 0)
            {
                return;
            }
            var phrase = ByIndex[which];
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
