using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Remediator.Testing;

/// <summary>
/// A local Lambda Runtime API (2018-06-01): hands out queued events on <c>GET /runtime/invocation/next</c> with the
/// request id, deadline and trace headers, and records responses, invocation errors and init errors.
/// </summary>
public sealed class FakeRuntimeApi : LoopbackServer
{
    private readonly BlockingCollection<(string Id, byte[] Event, string? TraceId)> _events = [];

    public const string DefaultTraceId = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1";

    // GET next blocks until an event is queued, like the real one: each request gets its own task.
    protected override bool Concurrent => true;

    /// <summary>The value of AWS_LAMBDA_RUNTIME_API.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public sealed record Posted(string Kind, string? RequestId, string Body, string? ErrorType, DateTimeOffset At);

    public BlockingCollection<Posted> Posts { get; } = [];

    public TimeSpan DeadlineIn { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>When set, invocation error posts are refused with this status and an error body, as Lambda refuses a bad one.</summary>
    public int? RefuseErrorsWith { get; set; }

    /// <summary>Queues an event; <paramref name="traceId"/> null sends no Lambda-Runtime-Trace-Id header.</summary>
    public string Enqueue(byte[] lambdaEvent, string? traceId = DefaultTraceId)
    {
        var id = Guid.NewGuid().ToString();
        _events.Add((id, lambdaEvent, traceId));
        return id;
    }

    protected override void Serve(HttpListenerContext ctx)
    {
        {
            var path = ctx.Request.Url!.AbsolutePath;
            if (ctx.Request.HttpMethod == "GET" && path == "/2018-06-01/runtime/invocation/next")
            {
                var (id, body, traceId) = _events.Take(); // blocks like the real one
                ctx.Response.Headers["Lambda-Runtime-Aws-Request-Id"] = id;
                ctx.Response.Headers["Lambda-Runtime-Deadline-Ms"] = DateTimeOffset.UtcNow.Add(DeadlineIn).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
                ctx.Response.Headers["Lambda-Runtime-Invoked-Function-Arn"] = "arn:aws:lambda:us-east-1:123456789012:function:remediator";
                if (traceId is not null)
                {
                    ctx.Response.Headers["Lambda-Runtime-Trace-Id"] = traceId;
                }
                Write(ctx, 200, body);
                return;
            }
            using var ms = new MemoryStream();
            ctx.Request.InputStream.CopyTo(ms);
            var text = Encoding.UTF8.GetString(ms.ToArray());
            var parts = path.Split('/');
            if (ctx.Request.HttpMethod == "POST" && path == "/2018-06-01/runtime/init/error")
            {
                Posts.Add(new Posted("init-error", null, text, ctx.Request.Headers["Lambda-Runtime-Function-Error-Type"], DateTimeOffset.UtcNow));
                Write(ctx, 202, "{\"status\":\"OK\"}"u8.ToArray());
                return;
            }
            if (ctx.Request.HttpMethod == "POST" && parts is ["", "2018-06-01", "runtime", "invocation", var requestId, var kind and ("response" or "error")])
            {
                Posts.Add(new Posted(kind, requestId, text, ctx.Request.Headers["Lambda-Runtime-Function-Error-Type"], DateTimeOffset.UtcNow));
                if (kind == "error" && RefuseErrorsWith is { } status)
                {
                    Write(ctx, status, "{\"errorMessage\":\"the error body is not valid\",\"errorType\":\"InvalidRequestPayload\"}"u8.ToArray());
                    return;
                }
                Write(ctx, 202, "{\"status\":\"OK\"}"u8.ToArray());
                return;
            }
            Write(ctx, 404, "{}"u8.ToArray());
        }
    }

    private static void Write(HttpListenerContext ctx, int status, byte[] body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength64 = body.Length;
        ctx.Response.OutputStream.Write(body);
        ctx.Response.Close();
    }

    protected override void Stopping() => _events.CompleteAdding();
}
