using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Remediator.Core.Ingest;

namespace Remediator.Core.Diagnosis;

/// <summary>
/// What the execution-log lines of one request have shown so far. It keeps extracted facts, not lines, so that the
/// state of an open request stays small however long its lines are.
/// </summary>
internal sealed class RequestEvidence
{
    private const int MaxEvidence = 400;
    private const int MaxBody = 16 * 1024;
    private const int MaxMessage = 1000;

    // At most one signal per cause, in the order first seen; an array made at the first signal (most requests have none).
    private (Cause Cause, int Rank, string Evidence, string? Note)[]? _signals;
    private int _signalCount;

    public RequestEvidence(string? requestId, LogContext context)
    {
        RequestId = requestId;
        Context = context;
        ApiId = context.ApiId;
        Stage = context.Stage;
        AccountId = context.AccountId;
    }

    public string? RequestId { get; set; }
    public LogContext Context { get; }
    public int? Status { get; private set; }
    public bool Completed { get; private set; }
    public bool Started { get; private set; }
    public int Lines { get; private set; }
    public DateTimeOffset? FirstSeen { get; private set; }
    /// <summary>True once any known phrase was seen: prose pasted around log lines is not a request.</summary>
    public bool Recognised { get; private set; }

    private string? ApiId, Stage, AccountId, Region, HttpMethod, ResourcePath, FunctionArn, Qualifier, ErrorMessage, Body, BodyEvidence, StatusEvidence;
    private long? _latency;
    private bool _pathIsTemplate;
    private string? _role, _invokeError, _authorizerResult;
    // The authorizer's own failure, told by what it returned (its timeout, its error) or by API Gateway's reading of it.
    private FailureReason? _authorizerHint;
    private bool _authorizerInvalidResponse;
    // Within the record being read: where the authorizer's result ends. Phrases before it are the authorizer's output.
    private int _authorizerResultEnd = -1;
    private long _phrases;
    // Every status line this "request" showed: more than one means the lines of several requests were merged
    // (ids lost or shortened alike), and the diagnosis must say so rather than pick one. The first is kept in
    // _firstCompletion; the list is made at the second, holding all of them.
    private int _completionCount, _firstCompletion;
    private List<int>? _completions;
    // "Method completed with status: 50" (a paste cut mid-number): a 5xx, its exact code not shown.
    private string? _cutStatus;

    /// <summary>Why this request's lines may belong to several requests; null when nothing suggests it.</summary>
    public string? Ambiguity => _completions is { Count: > 1 } c
        ? $"{c.Count} completions ({string.Join(", ", c)}) under one request{(RequestId is null ? "" : $" id ({RequestId})")}"
        : null;

    /// <summary>Reads one record; true when it held any API Gateway phrase.</summary>
    public bool Observe(in LogRecord record) => Observe(record.Text, record.Timestamp);

    /// <summary>Reads one record given by its text and time; true when it held any API Gateway phrase.</summary>
    public bool Observe(ReadOnlySpan<char> text, DateTimeOffset? timestamp)
    {
        Lines++;
        if (timestamp is { } ts && (FirstSeen is null || ts < FirstSeen))
        {
            FirstSeen = ts;
        }
        var self = this;
        var before = _phrases;
        _authorizerResultEnd = -1;
        DecisivePhrases.Scan(text, ref self, static (ref RequestEvidence e, DecisivePhrase p, ReadOnlySpan<char> text, int at) => e.OnPhrase(p, text, at));
        return _phrases != before;
    }

    private void OnPhrase(DecisivePhrase phrase, ReadOnlySpan<char> text, int at)
    {
        Recognised = true;
        _phrases++;
        var after = text[(at + phrase.Text.Length)..];
        // The line around a phrase is cut only where evidence needs it: the frequent phrases (headers, paths,
        // URIs) need none, and on a long header line each cut is a scan.
        if (at < _authorizerResultEnd && phrase.Cause is Cause.FunctionTimeout or Cause.FunctionError)
        {
            // The authorizer's result is its timeout or error object: the authorizer failed, not the integration.
            _authorizerHint = phrase.Cause == Cause.FunctionTimeout ? FailureReason.Timeout : _authorizerHint ?? FailureReason.Threw;
            AddSignal(Cause.AuthorizerFailure, DecisivePhrases.AuthorizerRank, Withhold(LineAround(text, at), phrase.Text));
            return;
        }
        switch (phrase.Role)
        {
            case PhraseRole.Signal:
                _authorizerInvalidResponse |= DecisivePhrases.SaysInvalidAuthorizerResponse(phrase);
                AddSignal(phrase.Cause, phrase.Rank, Withhold(LineAround(text, at), phrase.Text), phrase.Note);
                if (phrase.Cause == Cause.CredentialsRoleNotAssumable)
                {
                    // The role is the finding's subject: its trust policy is the fix.
                    _role ??= RoleArnIn(LineAround(text, at));
                }
                else if (phrase.Rank == DecisivePhrases.InvokeErrorRank || phrase.Text.StartsWith("ErrorType=", StringComparison.Ordinal))
                {
                    _invokeError ??= phrase.Text.StartsWith("ErrorType=", StringComparison.Ordinal) ? phrase.Text[10..] : phrase.Text;
                }
                break;
            case PhraseRole.GatewayResponse:
                // "Gateway response type: DEFAULT_5XX with status code: 500" ends a request API Gateway answered itself.
                // The type that follows is scanned on its own (AUTHORIZER_FAILURE, ... are phrases).
                var statusAt = after.IndexOf("status code: ", StringComparison.Ordinal);
                if (statusAt >= 0 && LeadingInt(after[(statusAt + 13)..]) is { } gatewayStatus)
                {
                    Status = gatewayStatus;
                    StatusEvidence = Cap(LineAround(text, at));
                }
                Completed = true;
                break;
            case PhraseRole.ClientStatus:
                var status = LeadingInt(after);
                if (status is < 100 && CutAfterDigits(after))
                {
                    // The paste ends inside the number: its first digit still says 5xx or not, the rest is not guessed.
                    _cutStatus = after.Trim().ToString();
                    status = null;
                }
                else if (status is { } completed)
                {
                    AddCompletion(completed);
                }
                Status = status ?? Status;
                StatusEvidence = Cap(LineAround(text, at));
                Completed = true;
                break;
            case PhraseRole.InvocationStatus:
                switch (LeadingInt(after))
                {
                    case 429: AddSignal(Cause.Throttled, DecisivePhrases.ThrottleRank, LineAround(text, at)); break;
                    case 403: AddSignal(Cause.InvalidIntegrationMethod, DecisivePhrases.WrongMethodRank - 1, LineAround(text, at)); break;
                    case 404: AddSignal(Cause.FunctionNotFound, DecisivePhrases.NotFoundRank - 1, LineAround(text, at)); break;
                    case >= 500 and < 600: AddSignal(Cause.LambdaServiceError, DecisivePhrases.ServiceErrorRank, LineAround(text, at)); break;
                }
                break;
            case PhraseRole.CustomerError:
                AddSignal(phrase.Cause, phrase.Rank, LineAround(text, at));
                ErrorMessage ??= CustomerErrorMessage(after);
                break;
            case PhraseRole.FunctionNotFound:
                AddSignal(phrase.Cause, phrase.Rank, LineAround(text, at));
                if (FunctionRef.TryParse(Token(after), out var notFound))
                {
                    SetFunction(notFound);
                }
                break;
            case PhraseRole.EndpointUri:
                // Both lines of an invocation ("Endpoint request URI", "Sending request to") name the function: the
                // second one is not parsed again (the first function named is kept).
                if (FunctionArn is null && FunctionRef.FromInvokeUri(Token(after), out var invoked))
                {
                    SetFunction(invoked);
                }
                break;
            case PhraseRole.MethodAndPath:
                ParseMethodAndPath(after);
                break;
            case PhraseRole.Latency:
                _latency = LeadingInt(after) ?? _latency;
                break;
            case PhraseRole.ResponseBody:
                if (Body is null)
                {
                    var body = (after.Length > MaxBody ? after[..MaxBody] : after).TrimStart();
                    Body = LogValues.Of(body);
                    BodyEvidence = Cap(Withhold(LineAround(text, at), null));
                }
                break;
            case PhraseRole.AuthorizerResult:
                // What the authorizer returned; API Gateway reads a function's error object as if it were the output.
                _authorizerResult ??= (after.Length > MaxBody ? after[..MaxBody] : after).Trim().ToString();
                var resultEnd = after.IndexOf('\n');
                _authorizerResultEnd = resultEnd < 0 ? text.Length : at + phrase.Text.Length + resultEnd;
                break;
            case PhraseRole.SourceArn:
                if (ExecuteApiRef.TryParse(WithoutMapClose(Token(after, ','))) is { } api)
                {
                    ApiId ??= api.ApiId;
                    Stage ??= AwsNames.StageOrNull(api.Stage);
                    AccountId ??= AwsNames.AccountOrNull(api.AccountId);
                    Region ??= AwsNames.RegionOrNull(api.Region);
                    HttpMethod ??= api.Method;
                    SetTemplate(api.Path);
                }
                break;
            case PhraseRole.MethodTemplate:
                // "'GET /books/{id}'": the resource template, which groups /books/1 and /books/2 together.
                var quoted = after[..Math.Max(0, after.IndexOf('\''))];
                var space = quoted.IndexOf(' ');
                if (space > 0)
                {
                    HttpMethod ??= LogValues.Of(quoted[..space]);
                    if (!_pathIsTemplate)
                    {
                        SetTemplate(LogValues.Of(quoted[(space + 1)..]));
                    }
                }
                break;
            case PhraseRole.ResourceTemplate:
                var closing = after.IndexOf('"');
                if (closing > 0 && after[0] == '/' && !_pathIsTemplate)
                {
                    SetTemplate(LogValues.Of(after[..closing]));
                }
                break;
            case PhraseRole.ApiStage:
                var apiStage = Token(after, ',');
                var slash = apiStage.IndexOf('/');
                if (slash > 0 && FunctionRefChars.IsApiId(apiStage[..slash]))
                {
                    ApiId ??= LogValues.Of(apiStage[..slash]);
                    Stage ??= StageOrNull(apiStage[(slash + 1)..]);
                }
                break;
            case PhraseRole.UsagePlanThrottle:
                // "Key throttle limit exceeded for RestApi a1b2c3, Stage prod, Resource /x, HttpMethod POST."
                // Values from a log line reach commands, ARNs and API Gateway requests: only AWS's own shapes are kept.
                var throttledApi = Token(after, ',');
                ApiId ??= FunctionRefChars.IsApiId(throttledApi) ? LogValues.Of(throttledApi) : null;
                var stageAt = after.IndexOf(", Stage ", StringComparison.Ordinal);
                if (stageAt >= 0)
                {
                    Stage ??= StageOrNull(Token(after[(stageAt + 8)..], ','));
                }
                break;
            case PhraseRole.HostHeader:
                // Host=a1b2c3d4e5.execute-api.us-east-1.amazonaws.com (a custom domain tells nothing).
                var host = Token(after, ',', '}');
                var dot = host.IndexOf(".execute-api.", StringComparison.Ordinal);
                if (dot > 0 && FunctionRefChars.IsApiId(host[..dot]))
                {
                    ApiId ??= LogValues.Of(host[..dot]);
                    var region = host[(dot + 13)..];
                    var end = region.IndexOf('.');
                    Region ??= end > 0 && AwsNames.IsRegion(region[..end]) ? LogValues.Of(region[..end]) : null;
                }
                break;
            case PhraseRole.RequestStart:
                Started = true;
                if (phrase.Text.StartsWith("Starting execution", StringComparison.Ordinal) && RequestId is null)
                {
                    var id = Token(after);
                    RequestId = id.IsEmpty ? null : id.ToString();
                }
                break;
            case PhraseRole.RequestEnd:
                Completed = true;
                break;
        }
    }

    private void AddSignal(Cause cause, int rank, ReadOnlySpan<char> line, string? note = null)
    {
        var index = _signalCount - 1;
        while (index >= 0 && _signals![index].Cause != cause)
        {
            index--; // at most one signal per cause: the last match is the only one (FindIndex with a closure allocates)
        }
        if (index >= 0)
        {
            var existing = _signals![index];
            // Keep the strongest signal; at equal strength a plain line beats a data line whose values were withheld.
            var better = rank > existing.Rank || (rank == existing.Rank && existing.Evidence.Contains(WithheldMark, StringComparison.Ordinal)
                && !line.Contains(WithheldMark, StringComparison.Ordinal));
            if (!better)
            {
                return;
            }
            // Removed, and the better one added last: the order a list's RemoveAt and Add gave.
            Array.Copy(_signals, index + 1, _signals, index, _signalCount - index - 1);
            _signalCount--;
            note ??= existing.Note;
        }
        if (_signals is null || _signalCount == _signals.Length)
        {
            Array.Resize(ref _signals, _signalCount == 0 ? 2 : _signalCount * 2);
        }
        _signals[_signalCount++] = (cause, rank, Cap(line), note);
    }

    private ReadOnlySpan<(Cause Cause, int Rank, string Evidence, string? Note)> Signals => _signals.AsSpan(0, _signalCount);

    private void AddCompletion(int status)
    {
        if (_completionCount++ == 0)
        {
            _firstCompletion = status;
        }
        else
        {
            (_completions ??= [_firstCompletion]).Add(status);
        }
    }

    /// <summary>The first status line's 5xx, in the order seen; null when none said 5xx.</summary>
    private int? FirstFailedCompletion()
    {
        if (_completions is null)
        {
            return _completionCount > 0 && _firstCompletion >= 500 ? _firstCompletion : null;
        }
        foreach (var c in _completions)
        {
            if (c >= 500)
            {
                return c;
            }
        }
        return null;
    }

    private static string? StageOrNull(ReadOnlySpan<char> stage) => AwsNames.IsStageName(stage) ? LogValues.Of(stage) : null;

    private void SetFunction(in FunctionArnParts function)
    {
        if (FunctionArn is not null)
        {
            return;
        }
        FunctionArn = LogValues.Of(function.Arn);
        // "$LATEST" named explicitly is the unqualified function: the same code, the same resource policy.
        Qualifier = function.Qualifier.IsEmpty || function.Qualifier.SequenceEqual("$LATEST") ? null : LogValues.Of(function.Qualifier);
        Region ??= LogValues.Of(function.Region);
    }

    private void ParseMethodAndPath(ReadOnlySpan<char> after)
    {
        HttpMethod ??= LogValues.Of(Token(after, ','));
        const string marker = "Resource Path: ";
        var at = after.IndexOf(marker, StringComparison.Ordinal);
        if (at >= 0 && !_pathIsTemplate)
        {
            // This line shows the request's actual path (/books/42); a template seen elsewhere wins.
            ResourcePath = LogValues.Of(Token(after[(at + marker.Length)..]));
        }
    }

    private void SetTemplate(string? path)
    {
        if (path is { Length: > 0 } && !_pathIsTemplate)
        {
            ResourcePath = path;
            _pathIsTemplate = true;
        }
    }

    /// <summary>The request as a failure, or null when it did not fail (2xx-4xx, or no status and no failure signal).</summary>
    public FailedRequest? ToFailure()
    {
        var failedByStatus = Status is >= 500 || Status is null && _cutStatus is ['5', ..] || FirstFailedCompletion() is not null;
        if (Status is { } s && s < 500 && !failedByStatus)
        {
            return null;
        }
        if (Status is null && _cutStatus is [not '5', ..] && _signalCount == 0)
        {
            return null;
        }
        if (!failedByStatus && _signalCount == 0)
        {
            return null;
        }
        var best = Strongest();
        var cause = _signalCount == 0 ? Cause.Unknown : best.Cause;
        string? ambiguityNote = null;
        if (Ambiguity is { } ambiguity)
        {
            var causes = CausesOtherThan(null);
            if (causes.Count > 1)
            {
                // Several requests' lines under one id, with different causes: which failed how is not in the log.
                cause = Cause.Unknown;
                ambiguityNote = $"ambiguous: {ambiguity} with different causes ({string.Join(", ", causes.Select(c => c.ToName()))}); these lines are several requests that the log does not tell apart: export them with full request ids";
            }
            else
            {
                ambiguityNote = $"ambiguous: {ambiguity}; counted as one request: export with full request ids for an exact count";
            }
        }
        // An authorizer's failure is told by what the authorizer returned, not by the integration's response.
        var (errorType, bodyMessage) = FunctionErrorFromBody(cause == Cause.AuthorizerFailure ? _authorizerResult : Body);
        var responseProblem = cause == Cause.MalformedProxyResponse ? ProxyResponseShape.Describe(Body) : null;
        FailureReason? reason = cause == Cause.AuthorizerFailure ? AuthorizerReason(errorType, bodyMessage) : null;
        return new FailedRequest
        {
            Cause = cause,
            Reason = reason,
            Status = Status is >= 500 ? Status : FirstFailedCompletion(),
            ApiType = Diagnosis.ApiType.Rest, // only REST APIs write execution logs
            LogKind = LogKind.Execution,
            ApiId = ApiId,
            Stage = Stage,
            HttpMethod = HttpMethod,
            ResourcePath = ResourcePath,
            FunctionArn = FunctionArn,
            Qualifier = Qualifier,
            ErrorType = cause is Cause.LambdaInvokeError or Cause.RequestMappingError && _invokeError is not null ? _invokeError : errorType,
            ErrorMessage = cause == Cause.CredentialsRoleNotAssumable ? _role : ErrorMessage ?? bodyMessage,
            IntegrationLatencyMs = _latency,
            RequestId = RequestId,
            Timestamp = FirstSeen,
            Evidence = _signalCount == 0 || cause == Cause.Unknown ? StatusEvidence ?? BodyEvidence ?? best.Evidence : best.Evidence,
            Note = Join(ambiguityNote ?? (_signalCount == 0 ? UnknownNote() : Join(reason is { } r ? DecisivePhrases.AuthorizerNote(r) : best.Note, ConflictNote(cause))), CutStatusNote()),
            ResponseProblem = responseProblem,
            AccountId = AccountId,
            Region = Region,
            LogGroup = Context.LogGroup,
        };
    }

    /// <summary>
    /// How the authorizer failed: its result was a Lambda error object (threw, crashed at start) or its timeout, else
    /// API Gateway could not read it as an authorizer response, else the log does not say.
    /// </summary>
    private FailureReason AuthorizerReason(string? errorType, string? errorMessage) =>
        _authorizerHint is { } hint ? hint
        : errorType is not null || errorMessage is not null ? FailureReason.Threw
        : _authorizerInvalidResponse ? FailureReason.InvalidResponse
        : FailureReason.Unspecified;

    private string? CutStatusNote() => _cutStatus is null || Status is not null ? null
        : $"the status line is cut off (\"status: {_cutStatus}\"): {(_cutStatus[0] == '5' ? "a 5xx" : "not a 5xx")}, its exact code not shown";

    /// <summary>True when the digits run to the end of the text: the line was cut inside the number.</summary>
    private static bool CutAfterDigits(ReadOnlySpan<char> after)
    {
        var t = after.TrimStart(' ');
        var end = 0;
        while (end < t.Length && char.IsAsciiDigit(t[end]))
        {
            end++;
        }
        return end > 0 && t[end..].Trim().IsEmpty;
    }

    private static string? Join(string? a, string? b) => a is null ? b : b is null ? a : $"{a}; {b}";

    private string UnknownNote() => Lines <= 2
        ? "the log shows the 5xx status but no line that says why; execution logging at INFO level (or ERROR with data tracing) shows the reason"
        : "no line in this request's log names a reason for the 5xx";

    /// <summary>The first signal of the highest rank (what MaxBy chose); default when there is none.</summary>
    private (Cause Cause, int Rank, string Evidence, string? Note) Strongest()
    {
        var signals = Signals;
        if (signals.IsEmpty)
        {
            return default;
        }
        var best = signals[0];
        foreach (var signal in signals[1..])
        {
            if (signal.Rank > best.Rank)
            {
                best = signal;
            }
        }
        return best;
    }

    /// <summary>The causes of the signals, but <paramref name="except"/>, in the order first seen (each once).</summary>
    private List<Cause> CausesOtherThan(Cause? except)
    {
        var causes = new List<Cause>();
        foreach (var signal in Signals)
        {
            if (signal.Cause != except && !causes.Contains(signal.Cause))
            {
                causes.Add(signal.Cause);
            }
        }
        return causes;
    }

    private string? ConflictNote(Cause winner)
    {
        var conflicting = false;
        foreach (var signal in Signals)
        {
            conflicting |= signal.Cause != winner;
        }
        if (!conflicting)
        {
            return null; // the usual case: every signal names the winner, and nothing is made
        }
        var others = CausesOtherThan(winner);
        var notes = new List<string>();
        foreach (var other in others)
        {
            notes.Add((winner, other) switch
            {
                (Cause.Throttled, Cause.MalformedProxyResponse) =>
                    "API Gateway also logged \"Malformed Lambda proxy response\": it read Lambda's throttling error (TooManyRequestsException) as if the function had answered; the function never ran",
                (Cause.FunctionTimeout, Cause.FunctionError) =>
                    "the \"customer function error\" is the function's own timeout, not an exception in its code",
                (Cause.PayloadTooLarge, Cause.FunctionError) =>
                    "the \"customer function error\" is Lambda's 6 MB response limit, not an exception in the function's code",
                (Cause.LambdaInvokeError or Cause.KmsAccessDenied, Cause.LambdaServiceError) =>
                    "Lambda's error status is its refusal to run the function, not a transient Lambda service error",
                (Cause.AuthorizerFailure, Cause.FunctionError or Cause.FunctionTimeout) =>
                    "the failing function is the Lambda authorizer",
                (Cause.InvalidIntegrationMethod, _) =>
                    "Lambda answered 403 because the integration calls it with a method other than POST",
                _ => $"also seen: {other.ToName()}; {winner.ToName()} is the more specific root cause",
            });
        }
        return string.Join("; ", notes.Distinct());
    }

    /// <summary>The IAM role ARN in a line (<c>arn:aws:iam::123456789012:role/name</c>), when there is one.</summary>
    internal static string? RoleArnIn(ReadOnlySpan<char> line)
    {
        var at = line.IndexOf("arn:aws", StringComparison.Ordinal);
        while (at >= 0)
        {
            var arn = Token(line[at..]);
            if (arn.Contains(":iam::", StringComparison.Ordinal) && arn.Contains(":role/", StringComparison.Ordinal))
            {
                return arn.ToString();
            }
            var next = line[(at + 7)..].IndexOf("arn:aws", StringComparison.Ordinal);
            at = next < 0 ? -1 : at + 7 + next;
        }
        return null;
    }

    private static (string? Type, string? Message) FunctionErrorFromBody(string? body)
    {
        if (body is null || !body.AsSpan().TrimStart().StartsWith("{") || !body.Contains("\"error", StringComparison.Ordinal))
        {
            return (null, null);
        }
        try
        {
            using var doc = JsonDocument.Parse(body.Trim());
            var root = doc.RootElement;
            string? Get(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var message = Get("errorMessage");
            return (Get("errorType"), message is null ? null : CapMessage(message));
        }
        catch (JsonException)
        {
            // API Gateway cuts bodies at 1 KB (" [TRUNCATED]"): the fields that precede the cut are still read.
            var message = JsonStringAfter(body, "\"errorMessage\":\"");
            return (JsonStringAfter(body, "\"errorType\":\""), message is null ? null : CapMessage(message));
        }
    }

    /// <summary>The JSON string value that follows <paramref name="key"/> (up to its closing quote), unescaped; null when cut or absent.</summary>
    private static string? JsonStringAfter(string json, string key)
    {
        var at = json.IndexOf(key, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }
        var start = at + key.Length;
        for (var i = start; i < json.Length; i++)
        {
            if (json[i] == '\\')
            {
                i++;
            }
            else if (json[i] == '"')
            {
                try
                {
                    using var value = JsonDocument.Parse(json.AsMemory(start - 1, i - start + 2));
                    return value.RootElement.GetString();
                }
                catch (JsonException)
                {
                    return null;
                }
            }
        }
        return null;
    }

    private static string CustomerErrorMessage(ReadOnlySpan<char> after)
    {
        // "<errorMessage>. Lambda request id: <uuid>"; the message itself may span several lines.
        var end = after.IndexOf(". Lambda request id:", StringComparison.Ordinal);
        var message = (end >= 0 ? after[..end] : LineAround(after, 0)).Trim();
        return Cap(message, MaxMessage);
    }

    private static string CapMessage(string message) => message.Length > MaxMessage ? message[..MaxMessage] + "…" : message;

    internal static ReadOnlySpan<char> LineAround(ReadOnlySpan<char> text, int at)
    {
        var start = text[..at].LastIndexOf('\n') + 1;
        var end = text[at..].IndexOf('\n');
        var line = end < 0 ? text[start..] : text[start..(at + end)];
        return line.TrimEnd('\r').Trim();
    }

    // Lines that carry request or response data (customer data with data tracing on): evidence keeps the line's
    // label and the decisive phrase, never the values.
    private static readonly string[] DataLines =
    [
        "Endpoint response body before transformations:", "Endpoint request body after transformations:",
        "Method request body before transformations:", "Method response body after transformations:",
        "Endpoint response headers:", "Endpoint request headers:", "Method request headers:", "Method response headers:",
        "Authorizer result body before parsing:",
        "Method request path:", "Method request query string:",
    ];

    private const string WithheldMark = "[value withheld";

    // Each data line's label with its values withheld, made once (every failing request's response body line is one).
    private static readonly string[] WithheldLines = [.. DataLines.Select(label => $"{label} {WithheldMark}]")];

    internal static ReadOnlySpan<char> Withhold(ReadOnlySpan<char> line, string? phrase)
    {
        for (var i = 0; i < DataLines.Length; i++)
        {
            var label = DataLines[i];
            if (line.StartsWith(label, StringComparison.Ordinal))
            {
                if (phrase is null)
                {
                    return WithheldLines[i];
                }
                // A header line's phrase (X-Amz-Function-Error=Unhandled): the same few texts for every such request.
                Span<char> withheld = stackalloc char[256];
                return withheld.TryWrite($"{label} {WithheldMark}; it contains \"{phrase.AsSpan().Trim()}\"]", out var written)
                    ? LogValues.Of(withheld[..written])
                    : $"{label} {WithheldMark}; it contains \"{phrase.Trim()}\"]";
            }
        }
        return line;
    }

    private static string Cap(ReadOnlySpan<char> line, int max = MaxEvidence) => line.Length > max ? string.Concat(line[..max], "…") : LogValues.Of(line);

    internal static ReadOnlySpan<char> Token(ReadOnlySpan<char> s, params ReadOnlySpan<char> stops)
    {
        s = s.TrimStart(' ');
        // Up to white space, a quote or a stop: two vectorised searches rather than a test of every char (an invoke
        // URI is a token of a hundred chars and more).
        var end = s.IndexOfAny(TokenEnds);
        if (end < 0)
        {
            end = s.Length;
        }
        if (!stops.IsEmpty && s[..end].IndexOfAny(stops) is var stop and >= 0)
        {
            end = stop;
        }
        return s[..end].TrimEnd('.');
    }

    /// <summary>What ends a <see cref="Token"/>: every char <see cref="char.IsWhiteSpace(char)"/> takes for white space, and the quote.</summary>
    internal static readonly SearchValues<char> TokenEnds = CreateTokenEnds();

    /// <summary>The last char Unicode counts as white space (ideographic space); a test checks every char above it.</summary>
    internal const char LastWhiteSpace = '\u3000';

    private static SearchValues<char> CreateTokenEnds()
    {
        var ends = new List<char> { '"' };
        for (var c = '\0'; c <= LastWhiteSpace; c++)
        {
            if (char.IsWhiteSpace(c))
            {
                ends.Add(c);
            }
        }
        return SearchValues.Create([.. ends]);
    }

    /// <summary>
    /// A value that is the last entry of an <c>Endpoint request headers: {k=v, ...}</c> map runs into the map's
    /// closing brace (<c>.../GET/books/{id}}</c>): drop closing braces that open nowhere in the value.
    /// </summary>
    internal static ReadOnlySpan<char> WithoutMapClose(ReadOnlySpan<char> value)
    {
        while (value.Length > 0 && value[^1] == '}' && value.Count('}') > value.Count('{'))
        {
            value = value[..^1];
        }
        return value;
    }

    internal static int? LeadingInt(ReadOnlySpan<char> s)
    {
        s = s.TrimStart(' ');
        var end = 0;
        while (end < s.Length && end < 9 && char.IsAsciiDigit(s[end]))
        {
            end++;
        }
        return end == 0 ? null : int.Parse(s[..end], CultureInfo.InvariantCulture);
    }
}
