using System.Text.Json;

namespace Remediator.Core.Diagnosis;

/// <summary>What a line of a Lambda function's own log is.</summary>
internal enum FunctionLineKind { Start, End, Report, InitReport, Error, Other }

/// <summary>One line of a function's log, read.</summary>
/// <param name="RequestId">The Lambda request id the line names, when it names one.</param>
/// <param name="Cause">For a line that shows a failure: <see cref="Cause.FunctionTimeout"/> or <see cref="Cause.FunctionError"/>.</param>
internal readonly record struct FunctionLine(FunctionLineKind Kind, string? RequestId, Cause? Cause, string? ErrorType, string? ErrorMessage);

/// <summary>
/// The lines the Lambda runtime writes to a function's own log group (<c>/aws/lambda/&lt;name&gt;</c>), which people
/// paste when they have no API Gateway log: <c>START</c>/<c>END</c>/<c>REPORT RequestId:</c>, <c>Task timed out after</c>,
/// Node's <c>ERROR Invoke Error</c> and <c>Uncaught Exception</c>, Python's <c>[ERROR] Type: message</c>, and the
/// runtime's own <c>Runtime.*</c> errors (<c>Runtime.ImportModuleError</c>, <c>Runtime.ExitError</c>, ...).
/// These phrases stay out of <see cref="DecisivePhrases"/> on purpose: they are never in an API Gateway log group,
/// so the subscription filter must not pass them. Every check compares a few leading characters: a line that is not
/// the function's costs no allocation.
/// </summary>
internal static class FunctionLog
{
    private const string Start = "START RequestId: ", End = "END RequestId: ", Report = "REPORT RequestId: ",
        InitStart = "INIT_START ", InitReport = "INIT_REPORT ", RuntimeError = "RequestId: ", TimedOut = "Task timed out after ";

    /// <summary>True when the text starts like a line of the function's own log (used to split pasted escapes).</summary>
    public static bool StartsLine(ReadOnlySpan<char> text) =>
        text.StartsWith(Start) || text.StartsWith(End) || text.StartsWith(Report) || text.StartsWith(InitStart) || text.StartsWith(InitReport)
        || text.StartsWith("[ERROR] ") || text.StartsWith(RuntimeError) && text.Contains("Error: Runtime exited", StringComparison.Ordinal);

    public static bool TryRead(ReadOnlySpan<char> text, out FunctionLine line)
    {
        line = default;
        if (text.IsEmpty)
        {
            return false;
        }
        switch (text[0])
        {
            case 'S' when text.StartsWith(Start):
                line = new(FunctionLineKind.Start, Token(text[Start.Length..]), null, null, null);
                return true;
            case 'E' when text.StartsWith(End):
                line = new(FunctionLineKind.End, Token(text[End.Length..]), null, null, null);
                return true;
            case 'R' when text.StartsWith(Report):
                // "REPORT RequestId: id\tDuration: ...\tStatus: timeout" (newer runtimes say how the invocation ended).
                var status = StatusOf(text);
                line = new(FunctionLineKind.Report, Token(text[Report.Length..]), status.Cause, status.ErrorType, null);
                return true;
            case 'R' when text.StartsWith(RuntimeError) && text.Contains("Error: Runtime exited", StringComparison.Ordinal):
                // "RequestId: id Error: Runtime exited with error: exit status 1\nRuntime.ExitError"
                line = new(FunctionLineKind.Error, Token(text[RuntimeError.Length..]), Diagnosis.Cause.FunctionError,
                    RuntimeType(text) ?? "Runtime.ExitError", FirstLine(text[(text.IndexOf("Error: ", StringComparison.Ordinal) + 7)..]));
                return true;
            case 'I' when text.StartsWith(InitStart):
                line = new(FunctionLineKind.Other, null, null, null, null);
                return true;
            case 'I' when text.StartsWith(InitReport):
                var init = StatusOf(text);
                line = new(FunctionLineKind.InitReport, null, init.Cause, init.ErrorType, null);
                return true;
            case '[' when text.StartsWith("[ERROR] ") && text.Length > 8 && char.IsAsciiLetter(text[8]):
                // Python's uncaught exception: "[ERROR] KeyError: 'id'" then the traceback ("[ERROR]\t..." is a
                // logger.error line of the function's own, which fails nothing).
                var colon = text.IndexOf(':');
                var type = colon > 8 ? text[8..colon] : default;
                line = new(FunctionLineKind.Error, null, Diagnosis.Cause.FunctionError,
                    type.IsEmpty || type.Contains(' ') ? null : type.ToString(), colon > 8 ? FirstLine(text[(colon + 1)..]) : null);
                return true;
        }
        // "<request id> Task timed out after 3.00 seconds", "<request id>\tERROR\tInvoke Error \t{json}",
        // "undefined\tERROR\tUncaught Exception \t{json}" (an init error, before any request).
        var idLength = text.StartsWith("undefined") ? 9 : IsRequestId(text) ? 36 : -1;
        if (idLength < 0 || text.Length <= idLength || text[idLength] is not (' ' or '\t'))
        {
            return false;
        }
        var id = idLength == 36 ? text[..36].ToString() : null;
        var rest = text[(idLength + 1)..];
        if (rest.StartsWith(TimedOut))
        {
            line = new(FunctionLineKind.Error, id, Diagnosis.Cause.FunctionTimeout, null, FirstLine(rest));
            return true;
        }
        if (rest.StartsWith("ERROR\t") && (rest.Contains("Invoke Error", StringComparison.Ordinal) || rest.Contains("Uncaught Exception", StringComparison.Ordinal)))
        {
            var brace = rest.IndexOf('{');
            var (errorType, message) = ErrorJson(brace >= 0 ? rest[brace..] : default);
            line = new(FunctionLineKind.Error, id, Diagnosis.Cause.FunctionError, errorType ?? RuntimeType(rest), message);
            return true;
        }
        line = new(FunctionLineKind.Other, id, null, null, null);
        return true;
    }

    private static (Cause? Cause, string? ErrorType) StatusOf(ReadOnlySpan<char> text)
    {
        if (text.Contains("Status: timeout", StringComparison.Ordinal))
        {
            return (Diagnosis.Cause.FunctionTimeout, null);
        }
        if (text.Contains("Status: error", StringComparison.Ordinal))
        {
            var at = text.IndexOf("Error Type: ", StringComparison.Ordinal);
            return (Diagnosis.Cause.FunctionError, at >= 0 ? Token(text[(at + 12)..]) : null);
        }
        return (null, null);
    }

    /// <summary>A runtime error type named anywhere in the text: <c>Runtime.ImportModuleError</c>, <c>Runtime.ExitError</c>, ...</summary>
    private static string? RuntimeType(ReadOnlySpan<char> text)
    {
        var at = text.IndexOf("Runtime.", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }
        var end = at + 8;
        while (end < text.Length && char.IsAsciiLetterOrDigit(text[end]))
        {
            end++;
        }
        return end > at + 8 ? text[at..end].ToString() : null;
    }

    private static (string? Type, string? Message) ErrorJson(ReadOnlySpan<char> json)
    {
        if (json.IsEmpty)
        {
            return (null, null);
        }
        try
        {
            using var doc = JsonDocument.Parse(json.ToString());
            string? Get(string name) => doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(name, out var v)
                && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return (Get("errorType"), Get("errorMessage") is { } m ? FirstLine(m) : null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static bool IsRequestId(ReadOnlySpan<char> text) =>
        text.Length >= 36 && text[8] == '-' && text[13] == '-' && text[18] == '-' && text[23] == '-' && char.IsAsciiHexDigit(text[0]);

    private static string? Token(ReadOnlySpan<char> text)
    {
        text = text.TrimStart();
        var end = text.IndexOfAny(" \t\n\\");
        var token = end < 0 ? text : text[..end];
        return token.IsEmpty ? null : token.ToString();
    }

    private static string FirstLine(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        var nl = text.IndexOf('\n');
        var line = (nl < 0 ? text : text[..nl]).TrimEnd();
        return line.Length > 300 ? string.Concat(line[..300], "…") : line.ToString();
    }
}

/// <summary>What a function's own log showed of one invocation (or of an init that failed before any invocation).</summary>
internal sealed class FunctionInvocation(string? requestId, Ingest.LogContext context)
{
    private const string Note =
        "read from the Lambda function's own log (no API Gateway line in it): API Gateway answers 502 for a function error or timeout behind a proxy integration";

    private (Cause Cause, string Evidence)? _signal;
    private string? _errorType, _errorMessage;
    private DateTimeOffset? _firstSeen;

    public string? RequestId { get; } = requestId;

    public void Observe(in FunctionLine line, in Ingest.LogRecord record)
    {
        if (record.Timestamp is { } ts && (_firstSeen is null || ts < _firstSeen))
        {
            _firstSeen = ts;
        }
        if (line.Cause is not { } cause)
        {
            return;
        }
        // A timeout is the more specific root cause: the runtime then also reports "Status: error" or an exit.
        // At equal cause the error line itself beats the REPORT summary as evidence.
        if (_signal is null || cause == Cause.FunctionTimeout && _signal.Value.Cause != Cause.FunctionTimeout
            || cause == _signal.Value.Cause && line.Kind == FunctionLineKind.Error && _signal.Value.Evidence.StartsWith("REPORT", StringComparison.Ordinal))
        {
            _signal = (cause, Evidence(record.Text));
        }
        _errorType ??= line.ErrorType;
        _errorMessage ??= line.ErrorMessage;
    }

    /// <summary>An init error seen before this invocation's START: the invocation failed because of it.</summary>
    public void Absorb(FunctionInvocation init)
    {
        _signal ??= init._signal;
        _errorType ??= init._errorType;
        _errorMessage ??= init._errorMessage;
        _firstSeen ??= init._firstSeen;
    }

    public FailedRequest? ToFailure() => _signal is not { } signal ? null : new FailedRequest
    {
        Cause = signal.Cause,
        LogKind = LogKind.Function,
        RequestId = RequestId,
        Timestamp = _firstSeen,
        ErrorType = _errorType,
        ErrorMessage = _errorMessage,
        Evidence = signal.Evidence,
        Note = Note,
        AccountId = context.AccountId,
        LogGroup = context.LogGroup,
    };

    private static string Evidence(string text)
    {
        var line = text.AsSpan().Trim();
        var nl = line.IndexOf('\n');
        line = (nl < 0 ? line : line[..nl]).TrimEnd();
        return line.Length > 400 ? string.Concat(line[..400], "…") : line.ToString();
    }
}
