using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Remediator.Core.Report;

namespace Remediator.Function.Runtime;

/// <summary>One invocation as the Runtime API hands it out.</summary>
public sealed record Invocation(string RequestId, DateTimeOffset? Deadline, string? FunctionArn, string? TraceId, byte[] Event);

/// <summary>
/// The Lambda Runtime API loop for a custom runtime (<c>provided.al2023</c>, a Native AOT <c>bootstrap</c>), since the
/// runtime client package is not available here (aws-wire-facts §6.3): <c>GET /runtime/invocation/next</c> (no timeout:
/// it blocks until an event comes), then <c>POST .../{id}/response</c> or <c>.../{id}/error</c>; a failed start is
/// reported with <c>POST /runtime/init/error</c>. The deadline and trace headers are passed on.
/// </summary>
/// <param name="log">Where each reported error is written first, one JSON line (stdout in Lambda: CloudWatch Logs).</param>
public sealed class RuntimeApiLoop(HttpClient http, Uri baseUri, TextWriter? log = null)
{
    public const string ErrorContentType = "application/vnd.aws.lambda.error+json";

    /// <summary>The X-Ray trace header of the current invocation, for SDKs and our own code (set or cleared per invocation).</summary>
    public const string TraceIdVariable = "_X_AMZN_TRACE_ID";

    private readonly TextWriter _log = log ?? TextWriter.Null;

    /// <summary>From <c>AWS_LAMBDA_RUNTIME_API</c> (host:port).</summary>
    public static Uri BaseUri(string runtimeApi) => new($"http://{runtimeApi}/2018-06-01/");

    public async Task<Invocation> NextAsync(CancellationToken ct)
    {
        using var response = await http.GetAsync(new Uri(baseUri, "runtime/invocation/next"), HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        await EnsureSuccess(response, "GET runtime/invocation/next", ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        string? Header(string name) => response.Headers.TryGetValues(name, out var v) ? v.FirstOrDefault() : null;
        var requestId = Header("Lambda-Runtime-Aws-Request-Id") ?? throw new InvalidOperationException("the Runtime API sent an event without Lambda-Runtime-Aws-Request-Id");
        DateTimeOffset? deadline = long.TryParse(Header("Lambda-Runtime-Deadline-Ms"), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        return new Invocation(requestId, deadline, Header("Lambda-Runtime-Invoked-Function-Arn"), Header("Lambda-Runtime-Trace-Id"), body);
    }

    public async Task RespondAsync(string requestId, Stream output, CancellationToken ct)
    {
        using var content = new StreamContent(output);
        using var response = await http.PostAsync(new Uri(baseUri, $"runtime/invocation/{requestId}/response"), content, ct).ConfigureAwait(false);
        await EnsureSuccess(response, $"POST runtime/invocation/{requestId}/response", ct).ConfigureAwait(false);
    }

    /// <summary>Logs the error (an asynchronous invocation's error response is read by nobody), then reports it.</summary>
    public async Task ErrorAsync(string requestId, Exception error, CancellationToken ct) =>
        await PostError(new Uri(baseUri, $"runtime/invocation/{requestId}/error"), error, requestId, ct).ConfigureAwait(false);

    /// <summary>Logs the start-up error, then reports it; Lambda then stops the execution environment.</summary>
    public async Task InitErrorAsync(Exception error, CancellationToken ct) =>
        await PostError(new Uri(baseUri, "runtime/init/error"), error, null, ct).ConfigureAwait(false);

    /// <summary>
    /// Serves invocations until <paramref name="ct"/> is cancelled or <paramref name="maxInvocations"/> are done (tests).
    /// Each invocation's failure is reported as that invocation's error; the loop goes on.
    /// </summary>
    public async Task RunAsync(Func<Invocation, CancellationToken, Task<Stream>> handler, CancellationToken ct, int maxInvocations = int.MaxValue)
    {
        for (var served = 0; served < maxInvocations && !ct.IsCancellationRequested; served++)
        {
            var invocation = await NextAsync(ct).ConfigureAwait(false);
            // Set, or cleared when absent: an invocation must never carry the previous one's trace.
            Environment.SetEnvironmentVariable(TraceIdVariable, invocation.TraceId);
            Stream output;
            try
            {
                output = await handler(invocation, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await ErrorAsync(invocation.RequestId, e, ct).ConfigureAwait(false);
                continue;
            }
            await using (output.ConfigureAwait(false))
            {
                await RespondAsync(invocation.RequestId, output, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task PostError(Uri uri, Exception error, string? requestId, CancellationToken ct)
    {
        var message = Core.Notify.Scrubber.Clean(error.Message, 2000);
        var type = error.GetType().Name;
        var stack = (error.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        WriteErrorLine(type, message, stack, requestId);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, JsonReport.Options(indented: false)))
        {
            w.WriteStartObject();
            w.WriteString("errorMessage", message);
            w.WriteString("errorType", type);
            WriteStack(w, stack);
            w.WriteEndObject();
        }
        using var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", ErrorContentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        request.Headers.TryAddWithoutValidation("Lambda-Runtime-Function-Error-Type", type);
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        await EnsureSuccess(response, $"POST {uri.AbsolutePath}", ct).ConfigureAwait(false);
    }

    private static void WriteStack(Utf8JsonWriter w, string[] stack)
    {
        w.WriteStartArray("stackTrace");
        foreach (var frame in stack)
        {
            w.WriteStringValue(frame);
        }
        w.WriteEndArray();
    }

    /// <summary>One JSON line, as Amazon.Lambda.RuntimeSupport writes before it reports: level, type, scrubbed message, stack, request id.</summary>
    private void WriteErrorLine(string type, string message, string[] stack, string? requestId)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, JsonReport.Options(indented: false)))
        {
            w.WriteStartObject();
            w.WriteString("level", "ERROR");
            w.WriteString("message", requestId is null ? "init error" : "invocation error");
            w.WriteString("errorType", type);
            w.WriteString("errorMessage", message);
            WriteStack(w, stack);
            if (requestId is not null)
            {
                w.WriteString("requestId", requestId);
            }
            w.WriteEndObject();
        }
        lock (_log)
        {
            _log.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
            _log.Flush();
        }
    }

    /// <summary>A Runtime API answer that is not a success, as an error that carries its status and body.</summary>
    private static async Task EnsureSuccess(HttpResponseMessage response, string call, CancellationToken ct)
    {
        if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted or HttpStatusCode.NoContent)
        {
            return;
        }
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        throw new RuntimeApiException(call, (int)response.StatusCode, body.Length > 1000 ? body[..1000] + "…" : body);
    }
}

/// <summary>The Runtime API refused a call: its status and body say why (a 413 for an oversize response, a 400 for a bad error body, ...).</summary>
public sealed class RuntimeApiException(string call, int status, string body)
    : Exception($"the Runtime API refused {call}: HTTP {status} {body}")
{
    public int Status { get; } = status;
    public string Body { get; } = body;
}
