namespace Remediator.Core.Diagnosis;

/// <summary>One request that ended in a 5xx (or whose log shows a failure but was cut before its status), with why.</summary>
/// <remarks>Every field the log does not show is null: nothing here is guessed.</remarks>
public sealed record FailedRequest
{
    public required Cause Cause { get; init; }
    /// <summary>For an authorizer failure: how the authorizer failed, as far as the log tells; null for other causes.</summary>
    public FailureReason? Reason { get; init; }
    public int? Status { get; init; }
    public ApiType? ApiType { get; init; }
    public required LogKind LogKind { get; init; }
    public string? ApiId { get; init; }
    public string? Stage { get; init; }
    public string? HttpMethod { get; init; }
    public string? ResourcePath { get; init; }
    public string? RouteKey { get; init; }
    /// <summary>The function's ARN without alias or version.</summary>
    public string? FunctionArn { get; init; }
    /// <summary>The alias or version the integration invoked, when the log names one.</summary>
    public string? Qualifier { get; init; }
    public string? ErrorType { get; init; }
    public string? ErrorMessage { get; init; }
    public long? IntegrationLatencyMs { get; init; }
    public string? RequestId { get; init; }
    public DateTimeOffset? Timestamp { get; init; }
    /// <summary>The decisive line, as the log wrote it (capped in length).</summary>
    public string? Evidence { get; init; }
    /// <summary>Why this cause was chosen where the evidence conflicts, or what the log lacks.</summary>
    public string? Note { get; init; }
    /// <summary>For a malformed proxy response: what is wrong with what the function returned (shape only).</summary>
    public string? ResponseProblem { get; init; }
    public string? AccountId { get; init; }
    public string? Region { get; init; }
    public string? LogGroup { get; init; }
}
