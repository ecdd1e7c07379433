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
public sealed class RuntimeApiLoop(HttpClient http, Uri baseUri)
{
    public const string ErrorContentType = "application/vnd.aws.lambda.error+json";

    /// <summary>From <c>AWS_LAMBDA_RUNTIME_API</c> (host:port).</summary>
    public static Uri BaseUri(string runtimeApi) => new($"http://{runtimeApi}/2018-06-01/");

    public async Task<Invocation> NextAsync(CancellationToken ct)
    {
        using var response = await http.GetAsync(new Uri(baseUri, "runtime/invocation/next"), HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
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
        response.EnsureSuccessStatusCode();
    }

    public async Task ErrorAsync(string requestId, Exception error, CancellationToken ct) =>
        await PostError(new Uri(baseUri, $"runtime/invocation/{requestId}/error"), error, ct).ConfigureAwait(false);

    public async Task InitErrorAsync(Exception error, CancellationToken ct) =>
        await PostError(new Uri(baseUri, "runtime/init/error"), error, ct).ConfigureAwait(false);

    /// <summary>
    /// Serves invocations until <paramref name="ct"/> is cancelled or <paramref name="maxInvocations"/> are done (tests).
    /// Each invocation's failure is reported as that invocation's error; the loop goes on.
    /// </summary>
    public async Task RunAsync(Func<Invocation, CancellationToken, Task<Stream>> handler, CancellationToken ct, int maxInvocations = int.MaxValue)
    {
        for (var served = 0; served < maxInvocations && !ct.IsCancellationRequested; served++)
        {
            var invocation = await NextAsync(ct).ConfigureAwait(false);
            if (invocation.TraceId is not null)
            {
                Environment.SetEnvironmentVariable("_X_AMZN_TRACE_ID", invocation.TraceId);
            }
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

    private async Task PostError(Uri uri, Exception error, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, JsonReport.Options(indented: false)))
        {
            w.WriteStartObject();
            w.WriteString("errorMessage", Core.Notify.Scrubber.Clean(error.Message, 2000));
            w.WriteString("errorType", error.GetType().Name);
            w.WriteStartArray("stackTrace");
            w.WriteEndArray();
            w.WriteEndObject();
        }
        using var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", ErrorContentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        request.Headers.TryAddWithoutValidation("Lambda-Runtime-Function-Error-Type", error.GetType().Name);
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        if (response.StatusCode is not (HttpStatusCode.Accepted or HttpStatusCode.OK))
        {
            throw new InvalidOperationException($"the Runtime API refused the error report: HTTP {(int)response.StatusCode}");
        }
    }
}
