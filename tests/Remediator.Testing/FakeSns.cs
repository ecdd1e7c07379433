using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Remediator.Testing;

/// <summary>
/// A local SNS endpoint on 127.0.0.1 that speaks the Query protocol: it verifies every request's SigV4 signature,
/// decodes the form body, records Publish calls and answers with SNS's XML. Scripted faults come first.
/// </summary>
public sealed class FakeSns : IDisposable
{
    public const string AccessKey = "AKIDEXAMPLE";
    public const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    public const string SessionToken = "FwoGZXIvYXdzEXAMPLEsessiontoken";

    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public FakeSns()
    {
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(Loop);
    }

    public int Port { get; }
    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    /// <summary>Answers to give before the normal ones: (HTTP status, error code), one per request.</summary>
    public ConcurrentQueue<(int Status, string Code)> Faults { get; } = new();

    /// <summary>When true every request fails with 503 (SNS down).</summary>
    public bool Down { get; set; }

    public ConcurrentQueue<Received> Requests { get; } = new();

    public IEnumerable<Received> Publishes => Requests.Where(r => r.Form.GetValueOrDefault("Action") == "Publish" && r.Answered == 200);

    public sealed record Received(
        string Method, IReadOnlyDictionary<string, string> Headers, IReadOnlyList<KeyValuePair<string, string>> FormPairs,
        SigV4Verifier.Result Signature, int Answered)
    {
        public Dictionary<string, string> Form => FormPairs.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);
    }

    private async Task Loop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            try
            {
                Handle(ctx);
            }
            catch (Exception)
            {
                ctx.Response.Abort();
            }
        }
    }

    private void Handle(HttpListenerContext ctx)
    {
        using var ms = new MemoryStream();
        ctx.Request.InputStream.CopyTo(ms);
        var body = ms.ToArray();
        var headers = ctx.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!.ToLowerInvariant(), k => ctx.Request.Headers[k]!);
        var signature = SigV4Verifier.Verify(ctx.Request.HttpMethod, ctx.Request.RawUrl ?? "/", headers, body, SecretKey);
        var form = Encoding.UTF8.GetString(body).Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => new KeyValuePair<string, string>(Decode(p[0]), Decode(p.Length > 1 ? p[1] : "")))
            .ToList();

        int status;
        string xml;
        if (!signature.Valid)
        {
            (status, xml) = (403, Error("Sender", "SignatureDoesNotMatch", signature.Detail));
        }
        else if (Down)
        {
            (status, xml) = (503, Error("Receiver", "ServiceUnavailable", "Service is unavailable"));
        }
        else if (Faults.TryDequeue(out var fault))
        {
            (status, xml) = (fault.Status, Error(fault.Status >= 500 ? "Receiver" : "Sender", fault.Code, fault.Code == "Throttling" ? "Rate exceeded" : fault.Code));
        }
        else if (form.FirstOrDefault(p => p.Key == "Action").Value != "Publish")
        {
            (status, xml) = (400, Error("Sender", "InvalidAction", "only Publish is implemented"));
        }
        else
        {
            var id = Guid.NewGuid();
            (status, xml) = (200, $"""<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>{id}</MessageId></PublishResult><ResponseMetadata><RequestId>{Guid.NewGuid()}</RequestId></ResponseMetadata></PublishResponse>""");
        }
        Requests.Enqueue(new Received(ctx.Request.HttpMethod, headers, form, signature, status));
        var bytes = Encoding.UTF8.GetBytes(xml);
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/xml";
        ctx.Response.ContentLength64 = bytes.Length;
        ctx.Response.OutputStream.Write(bytes);
        ctx.Response.Close();
    }

    // Form values: RFC 3986 percent-encoding; botocore also sends '+' for a space.
    private static string Decode(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));

    private static string Error(string type, string code, string message) =>
        $"""<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>{type}</Type><Code>{code}</Code><Message>{System.Security.SecurityElement.Escape(message)}</Message></Error><RequestId>{Guid.NewGuid()}</RequestId></ErrorResponse>""";

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }
    }
}
