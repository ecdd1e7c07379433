using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Remediator.Testing;

/// <summary>One request as a local endpoint received it, with the verdict on its signature.</summary>
public sealed record ReceivedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Query, IReadOnlyDictionary<string, string> Headers,
    byte[] Body, SigV4Verifier.Result Signature, int Answered)
{
    public string Text => Encoding.UTF8.GetString(Body);
}

public enum ChaosKind { Error, Reset, Delay, Raw }

/// <summary>One injected fault.</summary>
public sealed record Chaos(ChaosKind Kind, int Status = 0, string? Code = null, int Milliseconds = 0, string? Body = null, string? ContentType = null)
{
    public static Chaos Fail(int status, string code) => new(ChaosKind.Error, status, code);
    public static Chaos ConnectionReset => new(ChaosKind.Reset);
    public static Chaos Slow(int ms) => new(ChaosKind.Delay, Milliseconds: ms);
    public static Chaos Answer(int status, string body, string contentType) => new(ChaosKind.Raw, status, Body: body, ContentType: contentType);
}

/// <summary>An answer: status, content type, body and extra headers.</summary>
public sealed record Answer(int Status, string ContentType, string Body, IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// A local AWS endpoint on 127.0.0.1: an HttpListener loop that verifies every request's SigV4 signature
/// (independently of AWSSDK.Core), records what arrived and lets the subclass answer with the service's protocol.
/// </summary>
public abstract class LocalAwsEndpoint : LoopbackServer
{
    public const string AccessKey = "AKIDEXAMPLE";
    public const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    public const string SessionToken = "FwoGZXIvYXdzEXAMPLEsessiontoken";

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    /// <summary>Every request, in order of arrival.</summary>
    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>When true every request fails with 503.</summary>
    public bool Down { get; set; }

    /// <summary>Network and protocol faults, one per request, before the service answers: fault injection.</summary>
    public ConcurrentQueue<Chaos> Chaos { get; } = new();

    /// <summary>Answers for a correctly signed request.</summary>
    protected abstract Answer Handle(string method, string path, IReadOnlyDictionary<string, string> query, IReadOnlyDictionary<string, string> headers, byte[] body);

    /// <summary>The service's error answer (each protocol shapes errors its own way).</summary>
    protected abstract Answer Error(int status, string code, string message);

    protected override void Serve(HttpListenerContext ctx)
    {
        using var ms = new MemoryStream();
        ctx.Request.InputStream.CopyTo(ms);
        var body = ms.ToArray();
        var headers = ctx.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!.ToLowerInvariant(), k => ctx.Request.Headers[k]!);
        var raw = ctx.Request.RawUrl ?? "/";
        var signature = SigV4Verifier.Verify(ctx.Request.HttpMethod, raw, headers, body, SecretKey);
        var pathEnd = raw.IndexOf('?');
        var path = Uri.UnescapeDataString(pathEnd < 0 ? raw : raw[..pathEnd]);
        var query = (pathEnd < 0 ? "" : raw[(pathEnd + 1)..]).Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).GroupBy(p => Uri.UnescapeDataString(p[0]))
            .ToDictionary(g => g.Key, g => Uri.UnescapeDataString(g.Last().Length > 1 ? g.Last()[1] : ""));
        if (Chaos.TryDequeue(out var chaos))
        {
            switch (chaos.Kind)
            {
                case ChaosKind.Reset:
                    Requests.Enqueue(new ReceivedRequest(ctx.Request.HttpMethod, path, query, headers, body, signature, 0));
                    Drop(ctx); // the connection drops in the middle of the answer
                    return;
                case ChaosKind.Delay:
                    Thread.Sleep(chaos.Milliseconds); // then the normal answer (a slow service, or a timeout when longer than the client waits)
                    break;
                case ChaosKind.Raw:
                    Requests.Enqueue(new ReceivedRequest(ctx.Request.HttpMethod, path, query, headers, body, signature, chaos.Status));
                    var rawBody = Encoding.UTF8.GetBytes(chaos.Body ?? "");
                    ctx.Response.StatusCode = chaos.Status;
                    ctx.Response.ContentType = chaos.ContentType ?? "text/html";
                    ctx.Response.ContentLength64 = rawBody.Length;
                    ctx.Response.OutputStream.Write(rawBody);
                    ctx.Response.Close();
                    return;
                case ChaosKind.Error:
                    var error = Error(chaos.Status, chaos.Code!, chaos.Code!);
                    Requests.Enqueue(new ReceivedRequest(ctx.Request.HttpMethod, path, query, headers, body, signature, error.Status));
                    Send(ctx, error);
                    return;
            }
        }
        Answer answer;
        if (!signature.Valid)
        {
            answer = Error(403, "SignatureDoesNotMatch", signature.Detail);
        }
        else if (Down)
        {
            answer = Error(503, "ServiceUnavailable", "Service is unavailable");
        }
        else
        {
            lock (this)
            {
                answer = Handle(ctx.Request.HttpMethod, path, query, headers, body);
            }
        }
        Requests.Enqueue(new ReceivedRequest(ctx.Request.HttpMethod, path, query, headers, body, signature, answer.Status));
        if (AbortAfterAnswering > 0 && answer.Status < 300)
        {
            AbortAfterAnswering--;
            Drop(ctx); // the service did the work, but the answer is lost on the way back
            return;
        }
        Send(ctx, answer);
    }

    /// <summary>How many successful answers to lose after the service acted (a write applied, its answer never seen).</summary>
    public int AbortAfterAnswering { get; set; }

    /// <summary>Promises a long body, sends a few bytes and cuts the connection: the client sees the answer end early.</summary>
    private static void Drop(HttpListenerContext ctx)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentLength64 = 1 << 16;
        ctx.Response.OutputStream.Write("<Publ"u8);
        ctx.Response.OutputStream.Flush();
        ctx.Response.Abort();
    }

    private static void Send(HttpListenerContext ctx, Answer answer)
    {
        var bytes = Encoding.UTF8.GetBytes(answer.Body);
        ctx.Response.StatusCode = answer.Status;
        ctx.Response.ContentType = answer.ContentType;
        foreach (var (k, v) in answer.Headers ?? new Dictionary<string, string>())
        {
            ctx.Response.Headers[k] = v;
        }
        ctx.Response.ContentLength64 = bytes.Length;
        ctx.Response.OutputStream.Write(bytes);
        ctx.Response.Close();
    }

    /// <summary>The environment of a child process (the AWS CLI, the remediator command) that talks to local endpoints:
    /// their credentials, and no profile or shared file of the machine.</summary>
    public static void UseLocalCredentials(IDictionary<string, string?> environment)
    {
        environment["AWS_ACCESS_KEY_ID"] = AccessKey;
        environment["AWS_SECRET_ACCESS_KEY"] = SecretKey;
        environment["AWS_SESSION_TOKEN"] = SessionToken;
        environment["AWS_CONFIG_FILE"] = "/dev/null";
        environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        environment["AWS_EC2_METADATA_DISABLED"] = "true";
        environment["AWS_PAGER"] = "";
    }
}

/// <summary>rest-json services (Lambda, API Gateway): errors as <c>x-amzn-ErrorType</c> plus a JSON body.</summary>
public abstract class RestJsonEndpoint : LocalAwsEndpoint
{
    /// <summary>Faults to answer before the normal answers, per operation name (e.g. "AddPermission"): (status, code).</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<(int Status, string Code)>> Faults { get; } = new();

    public void Fail(string operation, int status, string code, int times = 1)
    {
        var queue = Faults.GetOrAdd(operation, _ => new ConcurrentQueue<(int, string)>());
        for (var i = 0; i < times; i++)
        {
            queue.Enqueue((status, code));
        }
    }

    protected Answer? Fault(string operation) =>
        Faults.TryGetValue(operation, out var q) && q.TryDequeue(out var f) ? Error(f.Status, f.Code, $"scripted {f.Code}") : null;

    protected static Answer Ok(string json, int status = 200) => new(status, "application/json", json);

    protected override Answer Error(int status, string code, string message) =>
        new(status, "application/json", System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["Type"] = "User", ["message"] = message }),
            new Dictionary<string, string> { ["x-amzn-ErrorType"] = code });
}
