namespace Remediator.Core.Diagnosis;

/// <summary>Why a request failed. The snake_case names are a public contract: other tools parse them.</summary>
public enum Cause
{
    Unknown,
    MalformedProxyResponse,
    IntegrationTimeout,
    FunctionTimeout,
    FunctionError,
    PayloadTooLarge,
    MissingInvokePermission,
    Throttled,
    FunctionNotFound,
    InvalidIntegrationMethod,
    KmsAccessDenied,
    MappingError,
    LambdaServiceError,
    AuthorizerFailure,
    CredentialsRoleNotAssumable,
    LambdaInvokeError,
    RequestMappingError,
    IntegrationEndpointError,
}

public static class CauseNames
{
    private static readonly string[] Names =
    [
        "unknown",
        "malformed_proxy_response",
        "integration_timeout",
        "function_timeout",
        "function_error",
        "payload_too_large",
        "missing_invoke_permission",
        "throttled",
        "function_not_found",
        "invalid_integration_method",
        "kms_access_denied",
        "mapping_error",
        "lambda_service_error",
        "authorizer_failure",
        "credentials_role_not_assumable",
        "lambda_invoke_error",
        "request_mapping_error",
        "integration_endpoint_error",
    ];

    public static IReadOnlyList<Cause> All { get; } = Enum.GetValues<Cause>();

    public static string ToName(this Cause cause) => Names[(int)cause];

    public static bool TryParse(string name, out Cause cause)
    {
        var index = Array.IndexOf(Names, name);
        cause = index < 0 ? Cause.Unknown : (Cause)index;
        return index >= 0;
    }
}

public enum ApiType { Rest, Http }

/// <summary>Which log showed the failure: API Gateway's execution log, an access log, or a Lambda function's own log.</summary>
public enum LogKind { Execution, Access, Function }

/// <summary>
/// Why a Lambda authorizer failed, as far as the log tells (a finding of <see cref="Cause.AuthorizerFailure"/> only).
/// The snake_case names are a public contract, like the causes'.
/// </summary>
public enum FailureReason
{
    /// <summary>The log says the authorizer failed, not how (<c>AuthorizerConfigurationException</c>, <c>Authorizer error</c>, a response type).</summary>
    Unspecified,
    /// <summary>The authorizer threw or crashed (at start too): what it returned is a Lambda error object.</summary>
    Threw,
    /// <summary>The authorizer ran into its own timeout.</summary>
    Timeout,
    /// <summary>The authorizer returned something that is not an authorizer response (no principalId or policyDocument, bad context).</summary>
    InvalidResponse,
}

public static class FailureReasonNames
{
    private static readonly string[] Names = ["unspecified", "threw", "timeout", "invalid_response"];

    public static IReadOnlyList<FailureReason> All { get; } = Enum.GetValues<FailureReason>();

    public static string ToName(this FailureReason reason) => Names[(int)reason];
}

public static class ApiTypeNames
{
    public static string ToName(this ApiType type) => type == ApiType.Rest ? "REST" : "HTTP";

    public static string ToName(this LogKind kind) => kind switch
    {
        LogKind.Execution => "execution",
        LogKind.Access => "access",
        _ => "function",
    };
}
