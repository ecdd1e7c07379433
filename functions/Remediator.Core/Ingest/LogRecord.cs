namespace Remediator.Core.Ingest;

/// <summary>Where a set of log lines came from, as far as the container shows it.</summary>
/// <param name="LogGroup">The CloudWatch log group, when known (envelope, Insights <c>@log</c>, <c>--log-group</c>).</param>
/// <param name="AccountId">The account that owns the log group (the envelope's <c>owner</c>).</param>
/// <param name="Source">A name for error messages and evidence: the file name or "stdin".</param>
public sealed record LogContext(string? LogGroup, string? AccountId, string Source)
{
    public static LogContext For(string source) => new(null, null, source);

    private const string ExecutionPrefix = "API-Gateway-Execution-Logs_";

    /// <summary>API id from <c>API-Gateway-Execution-Logs_{id}/{stage}</c>; null for any other group.</summary>
    public string? ApiId => ParseExecutionGroup(LogGroup).ApiId;

    /// <summary>Stage from <c>API-Gateway-Execution-Logs_{id}/{stage}</c> (a canary stage adds <c>/Canary</c>).</summary>
    public string? Stage => ParseExecutionGroup(LogGroup).Stage;

    /// <summary>True when the group is a REST execution-log group: its lines are execution logs of a REST API.</summary>
    public bool IsExecutionLogGroup => ApiId is not null;

    private static (string? ApiId, string? Stage) ParseExecutionGroup(string? group)
    {
        if (group is null || !group.StartsWith(ExecutionPrefix, StringComparison.Ordinal))
        {
            return (null, null);
        }
        var rest = group.AsSpan(ExecutionPrefix.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0)
        {
            return (null, null);
        }
        var stage = rest[(slash + 1)..];
        var canary = stage.IndexOf('/');
        if (canary >= 0)
        {
            stage = stage[..canary];
        }
        // A group name is anyone's choice (CreateLogGroup): only an id and a stage of API Gateway's shapes count.
        var apiId = Diagnosis.AwsNames.ApiIdOrNull(rest[..slash].ToString());
        return apiId is null ? (null, null) : (apiId, Diagnosis.AwsNames.StageOrNull(stage.ToString()));
    }
}

/// <summary>
/// One logical log event: a CloudWatch event's message, an export row, or a text line with its continuation lines.
/// </summary>
/// <param name="RequestId">The request id the line carries (<c>(id) text</c>), when it carries one.</param>
/// <param name="Timestamp">When the line was written, when the container shows it.</param>
/// <param name="Text">The message with any container prefix (request id, timestamps, quote markers) removed.</param>
/// <param name="Access">The access-log entry, when a reader already parsed the event as one (JSON containers).</param>
public readonly record struct LogRecord(string? RequestId, DateTimeOffset? Timestamp, string Text, LogContext Context, AccessLogEntry? Access = null);
