using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Remediator.Core.Ingest;

/// <summary>
/// One access-log entry (REST or HTTP API), with each <c>$context</c> variable recognised by meaning whatever the
/// owner named its key (<c>error.responseType</c>, <c>error_responseType</c>, <c>errorResponseType</c>, ...).
/// </summary>
public sealed record AccessLogEntry
{
    public string? RequestId { get; init; }
    public int? Status { get; init; }
    public string? ErrorMessage { get; init; }
    public string? ResponseType { get; init; }
    public string? IntegrationError { get; init; }
    public int? IntegrationStatus { get; init; }
    public long? IntegrationLatencyMs { get; init; }
    public string? HttpMethod { get; init; }
    public string? ResourcePath { get; init; }
    public string? RouteKey { get; init; }
    public string? ApiId { get; init; }
    public string? Stage { get; init; }
    public DateTimeOffset? Time { get; init; }
    /// <summary>Every string value of the entry, for phrase matching when the key names say nothing.</summary>
    public IReadOnlyList<string> Values { get; init; } = [];

    /// <summary>Reads a JSON access-log entry; null when the object has neither a status nor a request id (not an access log).</summary>
    public static AccessLogEntry? FromJson(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var fields = new List<(string Key, string Value)>();
        Flatten(root, "", fields, depth: 0);
        string? Find(Meaning meaning)
        {
            foreach (var (key, value) in fields)
            {
                if (MeaningOf(key) == meaning && value.Length > 0 && value != "-")
                {
                    return value;
                }
            }
            return null;
        }
        var status = ParseInt(Find(Meaning.Status));
        var requestId = Find(Meaning.RequestId);
        if (status is null && requestId is null)
        {
            return null;
        }
        var responseType = Find(Meaning.ResponseType) ?? fields.Select(f => f.Value).FirstOrDefault(IsResponseType);
        return new AccessLogEntry
        {
            RequestId = requestId,
            Status = status,
            ErrorMessage = Find(Meaning.ErrorMessage),
            ResponseType = responseType,
            IntegrationError = Find(Meaning.IntegrationError),
            IntegrationStatus = ParseInt(Find(Meaning.IntegrationStatus)),
            IntegrationLatencyMs = ParseInt(Find(Meaning.IntegrationLatency)),
            HttpMethod = Find(Meaning.HttpMethod),
            ResourcePath = Find(Meaning.ResourcePath),
            RouteKey = Find(Meaning.RouteKey),
            ApiId = Find(Meaning.ApiId),
            Stage = Find(Meaning.Stage),
            Time = ParseTime(Find(Meaning.Time)),
            Values = fields.Select(f => f.Value).Where(v => v.Length > 3).ToList(),
        };
    }

    /// <summary>
    /// Reads a CLF line, the console presets: HTTP API
    /// <c>ip - - [time] "METHOD routeKey protocol" status length requestId</c>, REST
    /// <c>ip caller user [time] "METHOD resourcePath protocol" status length requestId extendedRequestId</c>;
    /// whatever follows (an integration error message some owners add) is kept as the integration error.
    /// </summary>
    public static AccessLogEntry? FromClf(string line)
    {
        var open = line.IndexOf(" [", StringComparison.Ordinal);
        var close = open < 0 ? -1 : line.IndexOf("] \"", open, StringComparison.Ordinal);
        if (close < 0)
        {
            return null;
        }
        var quoteEnd = line.IndexOf('"', close + 3);
        if (quoteEnd < 0)
        {
            return null;
        }
        var request = line[(close + 3)..quoteEnd].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var tail = line[(quoteEnd + 1)..].Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
        if (request.Length < 2 || tail.Length < 1 || ParseInt(tail[0]) is not { } status || !IsHttpMethod(request[0]))
        {
            return null;
        }
        string? routeKey = null, resourcePath = null;
        if (request.Length >= 4 && (IsHttpMethod(request[1]) || request[1] == "ANY"))
        {
            routeKey = $"{request[1]} {request[2]}"; // HTTP API: "$context.routeKey" is itself "GET /path"
        }
        else if (request[1] == "$default")
        {
            routeKey = "$default";
        }
        else
        {
            resourcePath = request[1];
        }
        var rest = tail.Length > 3 ? tail[3].Trim() : null;
        // REST's preset ends with the extended request id (one token); anything longer is a message.
        var integrationError = rest is not null && (rest.Contains(' ') || rest.Contains(':')) ? rest : null;
        var time = DateTimeOffset.TryParseExact(line[(open + 2)..close], "dd/MMM/yyyy:HH:mm:ss zzz", CultureInfo.InvariantCulture,
            DateTimeStyles.None, out var t) ? t : (DateTimeOffset?)null;
        return new AccessLogEntry
        {
            RequestId = tail.Length > 2 && tail[2] != "-" ? tail[2] : null,
            Status = status,
            HttpMethod = request[0],
            RouteKey = routeKey,
            ResourcePath = resourcePath,
            IntegrationError = integrationError,
            Time = time,
            Values = integrationError is null ? [] : [integrationError],
        };
    }

    /// <summary>
    /// Cheap test before parsing: CLF lines start with the client's address (IPv4 digits, or IPv6 hex with a colon
    /// early on) and have <c>] "</c> after the time. Execution-log lines ("Endpoint ...", "Execution ...") start with
    /// hex letters too, so the address test comes first and the scan only for candidates.
    /// </summary>
    public static bool LooksLikeClf(ReadOnlySpan<char> text) =>
        text.Length > 0 && (char.IsAsciiDigit(text[0]) || (char.IsAsciiHexDigit(text[0]) && text[..Math.Min(5, text.Length)].Contains(':')))
        && text.Contains("] \"", StringComparison.Ordinal);

    private static bool IsHttpMethod(string s) => s is "GET" or "POST" or "PUT" or "DELETE" or "PATCH" or "HEAD" or "OPTIONS" or "ANY";

    private static bool IsResponseType(string value) =>
        value is "INTEGRATION_FAILURE" or "INTEGRATION_TIMEOUT" or "API_CONFIGURATION_ERROR" or "MALFORMED_PROXY_RESPONSE"
            or "DEFAULT_5XX" or "AUTHORIZER_FAILURE" or "AUTHORIZER_CONFIGURATION_ERROR";

    private enum Meaning { None, RequestId, Status, ErrorMessage, ResponseType, IntegrationError, IntegrationStatus, IntegrationLatency, HttpMethod, ResourcePath, RouteKey, ApiId, Stage, Time }

    /// <summary>A key's meaning from its normalised name (lower case, letters and digits only, <c>$context</c> dropped).</summary>
    private static Meaning MeaningOf(string key)
    {
        var k = key.StartsWith("context", StringComparison.Ordinal) && key.Length > 7 ? key[7..] : key;
        switch (k)
        {
            case "requestid" or "apigwrequestid" or "apigatewayrequestid" or "rid" or "reqid": return Meaning.RequestId;
            case "status" or "statuscode" or "httpstatus" or "responsestatus" or "httpstatuscode": return Meaning.Status;
            case "errormessage" or "errormessagestring" or "error" or "errormsg": return Meaning.ErrorMessage;
            case "httpmethod" or "method" or "requestmethod": return Meaning.HttpMethod;
            case "resourcepath" or "resource": return Meaning.ResourcePath;
            case "routekey" or "route": return Meaning.RouteKey;
            case "apiid" or "restapiid" or "api": return Meaning.ApiId;
            case "stage" or "stagename": return Meaning.Stage;
            case "requesttime" or "requesttimeepoch" or "timestamp" or "time" or "ts": return Meaning.Time;
        }
        if (k.Contains("integration", StringComparison.Ordinal))
        {
            if (k.Contains("error", StringComparison.Ordinal)) return Meaning.IntegrationError;
            if (k.EndsWith("status", StringComparison.Ordinal) || k.EndsWith("statuscode", StringComparison.Ordinal)) return Meaning.IntegrationStatus;
            if (k.Contains("latency", StringComparison.Ordinal)) return Meaning.IntegrationLatency;
            return Meaning.None;
        }
        if (k.EndsWith("responsetype", StringComparison.Ordinal)) return Meaning.ResponseType;
        if (k.Contains("error", StringComparison.Ordinal) && k.Contains("message", StringComparison.Ordinal)) return Meaning.ErrorMessage;
        if (k.EndsWith("routekey", StringComparison.Ordinal)) return Meaning.RouteKey;
        if (k.EndsWith("resourcepath", StringComparison.Ordinal)) return Meaning.ResourcePath;
        if (k.EndsWith("httpmethod", StringComparison.Ordinal)) return Meaning.HttpMethod;
        if (k.EndsWith("requestid", StringComparison.Ordinal) && !k.Contains("extended", StringComparison.Ordinal)
            && !k.Contains("lambda", StringComparison.Ordinal) && !k.Contains("xray", StringComparison.Ordinal)) return Meaning.RequestId;
        if (k.EndsWith("status", StringComparison.Ordinal) && !k.Contains("authorizer", StringComparison.Ordinal)) return Meaning.Status;
        return Meaning.None;
    }

    private static void Flatten(JsonElement element, string prefix, List<(string, string)> into, int depth)
    {
        if (depth > 8)
        {
            return; // hostile nesting: the meaningful keys of an access log are at most two levels deep
        }
        foreach (var property in element.EnumerateObject())
        {
            var key = prefix + Normalise(property.Name);
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.Object:
                    Flatten(property.Value, key, into, depth + 1);
                    break;
                case JsonValueKind.String:
                    into.Add((key, property.Value.GetString()!));
                    break;
                case JsonValueKind.Number:
                    into.Add((key, property.Value.GetRawText()));
                    break;
            }
        }
    }

    private static string Normalise(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                sb.Append(char.ToLowerInvariant(c));
            }
        }
        return sb.ToString();
    }

    private static int? ParseInt(string? s) =>
        int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
        : double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d is >= 0 and < int.MaxValue ? (int)d
        : null;

    private static DateTimeOffset? ParseTime(string? s)
    {
        if (s is null)
        {
            return null;
        }
        if (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch))
        {
            return epoch > 100_000_000_000 ? DateTimeOffset.FromUnixTimeMilliseconds(epoch) : DateTimeOffset.FromUnixTimeSeconds(epoch);
        }
        if (DateTimeOffset.TryParseExact(s, "dd/MMM/yyyy:HH:mm:ss zzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var clf))
        {
            return clf;
        }
        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
    }
}
