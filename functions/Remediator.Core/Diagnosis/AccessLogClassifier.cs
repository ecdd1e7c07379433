using Remediator.Core.Ingest;

namespace Remediator.Core.Diagnosis;

/// <summary>Why an access-log entry failed, from its error fields: the same phrase table as execution logs, then the response type.</summary>
internal static class AccessLogClassifier
{
    public static FailedRequest? Classify(AccessLogEntry entry, LogContext context)
    {
        if (entry.Status is not >= 500)
        {
            return null;
        }
        var state = new Best();
        foreach (var value in entry.Values)
        {
            var text = value;
            DecisivePhrases.Scan(text.AsSpan(), ref state, static (ref Best best, DecisivePhrase p, ReadOnlySpan<char> t, int at) =>
            {
                var (cause, rank) = p.Role switch
                {
                    PhraseRole.Signal or PhraseRole.CustomerError or PhraseRole.FunctionNotFound => (p.Cause, p.Rank),
                    PhraseRole.InvocationStatus => RequestEvidence.LeadingInt(t[(at + p.Text.Length)..]) switch
                    {
                        429 => (Cause.Throttled, DecisivePhrases.ThrottleRank),
                        403 => (Cause.InvalidIntegrationMethod, DecisivePhrases.WrongMethodRank),
                        >= 500 => (Cause.LambdaServiceError, DecisivePhrases.ServiceErrorRank),
                        _ => (Cause.Unknown, 0),
                    },
                    _ => (Cause.Unknown, 0),
                };
                if (rank > best.Rank)
                {
                    best = new Best(cause, rank, t.ToString(), p.Role == PhraseRole.FunctionNotFound
                        ? FunctionRef.TryParse(RequestEvidence.Token(t[(at + p.Text.Length)..])) : best.Function, p.Note);
                }
            });
        }

        var apiType = entry.RouteKey is not null ? ApiType.Http
            : entry.ResourcePath is not null ? ApiType.Rest
            : entry.ErrorMessage is "Internal Server Error" or "Service Unavailable" ? ApiType.Http // HTTP APIs capitalise these
            : entry.ErrorMessage is "Internal server error" ? ApiType.Rest
            : (ApiType?)null;

        var cause = state.Cause;
        var note = state.Note;
        var evidence = state.Evidence;
        if (cause == Cause.Unknown)
        {
            (cause, note) = FromResponseType(entry, apiType);
        }
        if (cause == Cause.Unknown && Logged(entry.IntegrationError) is { } unknownReason)
        {
            // The owner logs the integration's error and it names a reason the phrase table does not know: that
            // reason is the evidence, and the advice must not ask for a field that is already there.
            evidence = unknownReason;
            note = "the access log's integration error names a reason this tool does not recognise; read it as the evidence";
        }
        evidence = evidence is { Length: > 400 } longLine ? longLine[..400] + "…" : evidence ?? Describe(entry);
        var message = cause switch
        {
            Cause.FunctionError or Cause.FunctionTimeout or Cause.PayloadTooLarge => CustomerMessage(entry.IntegrationError),
            Cause.CredentialsRoleNotAssumable => state.Evidence is null ? null : RequestEvidence.RoleArnIn(state.Evidence),
            Cause.Unknown => Logged(entry.IntegrationError),
            _ => null,
        };
        return new FailedRequest
        {
            Cause = cause,
            // An access log names the response type only (AUTHORIZER_CONFIGURATION_ERROR, AUTHORIZER_FAILURE): not how.
            Reason = cause == Cause.AuthorizerFailure ? FailureReason.Unspecified : null,
            Status = entry.Status,
            ApiType = apiType,
            LogKind = LogKind.Access,
            ApiId = AwsNames.ApiIdOrNull(entry.ApiId) ?? context.ApiId, // an entry's fields are what the log says: checked
            Stage = AwsNames.StageOrNull(entry.Stage) ?? context.Stage,
            HttpMethod = entry.HttpMethod,
            ResourcePath = entry.ResourcePath,
            RouteKey = entry.RouteKey,
            FunctionArn = state.Function?.Arn,
            ErrorType = cause == Cause.LambdaInvokeError ? InvokeErrorIn(state.Evidence) : null,
            Qualifier = state.Function?.Qualifier is "$LATEST" ? null : state.Function?.Qualifier,
            ErrorMessage = message,
            IntegrationLatencyMs = entry.IntegrationLatencyMs,
            RequestId = entry.RequestId,
            Timestamp = entry.Time,
            Evidence = evidence,
            Note = note,
            AccountId = context.AccountId,
            LogGroup = context.LogGroup,
        };
    }

    private static (Cause, string?) FromResponseType(AccessLogEntry entry, ApiType? apiType)
    {
        const string addField = "add $context.integration.error (REST) or $context.integrationErrorMessage (HTTP) to the access-log format to see the reason";
        // Lambda answered the integration 429: it throttled the function (HTTP APIs log no other trace of it).
        if (entry.IntegrationStatus == 429)
        {
            return (Cause.Throttled, "the integration status is 429: Lambda throttled the invocation");
        }
        switch (entry.ResponseType)
        {
            case "INTEGRATION_TIMEOUT":
                return (Cause.IntegrationTimeout, null);
            case "MALFORMED_PROXY_RESPONSE":
                return (Cause.MalformedProxyResponse, null);
            case "API_CONFIGURATION_ERROR":
                return (Cause.Unknown, "API_CONFIGURATION_ERROR: a configuration error, most often a missing invoke permission; " + addField);
            case "INTEGRATION_FAILURE":
                return (Cause.Unknown, "INTEGRATION_FAILURE: the function failed, returned too much, or was not found; " + addField);
        }
        // HTTP APIs give up after at most 30 s and answer 503: a 503 whose integration took that long timed out.
        if (apiType != ApiType.Rest && entry.Status == 503 && entry.IntegrationLatencyMs is >= 29_000)
        {
            return (Cause.IntegrationTimeout, "a 503 after the HTTP API's 30-second integration limit");
        }
        if (entry.Status == 504 && entry.ErrorMessage is { } m && m.Contains("timed out", StringComparison.OrdinalIgnoreCase))
        {
            return (Cause.IntegrationTimeout, null);
        }
        return (Cause.Unknown, "the access log records the 5xx but none of its fields says why; " + addField);
    }

    /// <summary>A logged value, or null for the "-" and empty that access logs write for "none".</summary>
    private static string? Logged(string? value) => value is null || value.Trim() is "" or "-" or "null" ? null : value.Trim();

    private static string? InvokeErrorIn(string? evidence) =>
        evidence is null ? null : DecisivePhrases.InvokeErrors.FirstOrDefault(e => e.Cause == Cause.LambdaInvokeError && evidence.Contains(e.Name, StringComparison.Ordinal))?.Name;

    private static string? CustomerMessage(string? integrationError)
    {
        const string prefix = "Lambda Customer Function Error:";
        if (integrationError is null)
        {
            return null;
        }
        var at = integrationError.IndexOf(prefix, StringComparison.Ordinal);
        return at < 0 ? null : integrationError[(at + prefix.Length)..].Trim();
    }

    private static string Describe(AccessLogEntry e)
    {
        var parts = new List<string> { $"status {e.Status}" };
        if (e.ErrorMessage is not null) parts.Add($"error \"{e.ErrorMessage}\"");
        if (e.ResponseType is not null) parts.Add($"responseType {e.ResponseType}");
        if (e.IntegrationStatus is not null) parts.Add($"integration status {e.IntegrationStatus}");
        if (e.IntegrationLatencyMs is not null) parts.Add($"integration latency {e.IntegrationLatencyMs} ms");
        return "access log: " + string.Join(", ", parts);
    }

    private readonly record struct Best(Cause Cause, int Rank, string? Evidence, FunctionRef? Function, string? Note);
}
