namespace Remediator.Core.Advice;

/// <summary>What to do about a finding, like a good runbook entry: the fix, its usual effort and risk, and where to look.</summary>
/// <param name="Summary">One sentence: what is wrong.</param>
/// <param name="Steps">The fix, most direct step first.</param>
/// <param name="Effort">Usual effort of the fix ("minutes", "hours", "days").</param>
/// <param name="Risk">Usual risk of the fix ("low", "medium").</param>
/// <param name="Commands">Exact commands or code lines, ready to paste.</param>
/// <param name="LogGroup">The log group that holds the evidence, when known.</param>
/// <param name="LogsInsightsQuery">A CloudWatch Logs Insights query for the sample request ids.</param>
/// <param name="ConsoleUrl">The CloudWatch console page of that log group, when its region is known.</param>
public sealed record Advice(
    string Summary,
    IReadOnlyList<string> Steps,
    string Effort,
    string Risk,
    IReadOnlyList<AdviceCommand> Commands,
    string? LogGroup,
    string? LogsInsightsQuery,
    string? ConsoleUrl)
{
    /// <summary>For a cause on the function's side (it ran and failed), where its own log explains it; null otherwise
    /// or when the function is not known.</summary>
    public FunctionLog? FunctionLog { get; init; }
}

/// <summary>The function's own log group, <c>/aws/lambda/&lt;name&gt;</c>, with a query for the failing requests.</summary>
/// <param name="LogGroup">The log group.</param>
/// <param name="LogsInsightsQuery">A Logs Insights query: the Lambda request ids the API Gateway lines name, the API
/// Gateway request ids (found when the function logs its event), and the function's error lines.</param>
/// <param name="StartQueryCommand">The same query over the failures' time window, ready to paste (with <c>--region</c>).</param>
/// <param name="ConsoleUrl">The log group in the CloudWatch console.</param>
public sealed record FunctionLog(string LogGroup, string LogsInsightsQuery, string? StartQueryCommand, string? ConsoleUrl);

/// <param name="Label">What the command does.</param>
/// <param name="Text">The command or code line itself.</param>
public sealed record AdviceCommand(string Label, string Text);
