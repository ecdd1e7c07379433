using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Remediator.Function.Runtime;
using Remediator.Function.Tests.Support;
using Remediator.Testing;

namespace Remediator.Function.Tests;

/// <summary>Our Runtime API loop (the Native AOT host's) against a loopback Runtime API endpoint.</summary>
public sealed class RuntimeApiLoopTests : IDisposable
{
    private readonly FakeRuntimeApi _runtime = new();
    private readonly FakeSns _sns = new();

    public void Dispose()
    {
        _runtime.Dispose();
        _sns.Dispose();
    }

    private RuntimeApiLoop Loop(TextWriter? log = null) => new(new HttpClient { Timeout = Timeout.InfiniteTimeSpan }, RuntimeApiLoop.BaseUri(_runtime.Address), log);

    /// <summary>A log that notes, with each line, how many posts the Runtime API had received when it was written.</summary>
    private sealed class OrderedLog(FakeRuntimeApi runtime) : StringWriter
    {
        public List<(string Line, int PostsBefore)> Lines { get; } = [];

        public override void WriteLine(string? value) => Lines.Add((value ?? "", runtime.Posts.Count));
    }

    [Fact]
    public async Task Run_InvocationFails_OneJsonErrorLineBeforeTheReport()
    {
        var log = new OrderedLog(_runtime);
        var id = _runtime.Enqueue("{}"u8.ToArray());

        await Loop(log).RunAsync((_, _) => throw new InvalidOperationException("broken for jane.doe@example.com"), CancellationToken.None, maxInvocations: 1);

        var (line, postsBefore) = log.Lines.ShouldHaveSingleItem();
        postsBefore.ShouldBe(0); // written before the error was posted
        using var json = JsonDocument.Parse(line);
        json.RootElement.GetProperty("level").GetString().ShouldBe("ERROR");
        json.RootElement.GetProperty("errorType").GetString().ShouldBe("InvalidOperationException");
        json.RootElement.GetProperty("errorMessage").GetString().ShouldBe("broken for [email]");
        json.RootElement.GetProperty("requestId").GetString().ShouldBe(id);
        json.RootElement.GetProperty("stackTrace").GetArrayLength().ShouldBeGreaterThan(0);
        _runtime.Posts.ShouldHaveSingleItem().Kind.ShouldBe("error");
    }

    [Fact]
    public async Task InitError_Reported_LoggedFirstWithoutARequestId()
    {
        var log = new OrderedLog(_runtime);

        await Loop(log).InitErrorAsync(new OptionsException("REMEDIATOR_TOPIC_ARN is not set"), CancellationToken.None);

        var (line, postsBefore) = log.Lines.ShouldHaveSingleItem();
        postsBefore.ShouldBe(0);
        line.ShouldContain("\"errorType\":\"OptionsException\"");
        line.ShouldNotContain("requestId");
    }

    [Fact]
    public async Task Run_InvocationWithoutTraceHeader_TraceIdCleared()
    {
        _runtime.Enqueue("{}"u8.ToArray());
        _runtime.Enqueue("{}"u8.ToArray(), traceId: null);
        var seen = new List<string?>();

        await Loop().RunAsync((_, _) =>
        {
            seen.Add(Environment.GetEnvironmentVariable(RuntimeApiLoop.TraceIdVariable));
            return Task.FromResult<Stream>(new MemoryStream("{}"u8.ToArray()));
        }, CancellationToken.None, maxInvocations: 2);

        seen.ShouldBe([FakeRuntimeApi.DefaultTraceId, null]);
    }

    [Fact]
    public async Task Run_RuntimeApiRefusesTheErrorReport_ErrorCarriesStatusAndBody()
    {
        _runtime.RefuseErrorsWith = 413;
        _runtime.Enqueue("{}"u8.ToArray());

        var e = await Should.ThrowAsync<RuntimeApiException>(() =>
            Loop().RunAsync((_, _) => throw new InvalidOperationException("boom"), CancellationToken.None, maxInvocations: 1));

        e.Status.ShouldBe(413);
        e.Body.ShouldContain("InvalidRequestPayload");
        e.Message.ShouldContain("HTTP 413");
    }

    [Fact]
    public async Task Run_DeliveryThenGarbage_ResponseForOneErrorForTheOther()
    {
        var pipeline = Composition.Pipeline(TestEnvironment.Env(_sns), TimeProvider.System, TextWriter.Null, credentials: new StaticCredentials());
        var good = _runtime.Enqueue(TestEnvironment.Delivery("causes/throttled__execution.log"));
        var bad = _runtime.Enqueue(Encoding.UTF8.GetBytes("{\"awslogs\":{\"data\":\"@@@\"}}"));
        DateTimeOffset? seenDeadline = null;

        await Loop().RunAsync(async (invocation, ct) =>
        {
            seenDeadline = invocation.Deadline;
            var outcome = await pipeline.ProcessAsync(new MemoryStream(invocation.Event), ct, invocation.Deadline);
            return outcome.ToJsonStream();
        }, CancellationToken.None, maxInvocations: 2);

        var posts = _runtime.Posts.ToList();
        var response = posts.Single(p => p.RequestId == good);
        response.Kind.ShouldBe("response");
        JsonDocument.Parse(response.Body).RootElement.GetProperty("published").GetInt32().ShouldBe(1);
        var error = posts.Single(p => p.RequestId == bad);
        error.Kind.ShouldBe("error");
        error.ErrorType.ShouldBe("UndecodableDeliveryException");
        using var body = JsonDocument.Parse(error.Body);
        body.RootElement.GetProperty("errorType").GetString().ShouldBe("UndecodableDeliveryException");
        body.RootElement.GetProperty("errorMessage").GetString()!.ShouldContain("not valid base64");
        body.RootElement.GetProperty("stackTrace").GetArrayLength().ShouldBeGreaterThan(0);
        seenDeadline.ShouldNotBeNull();
        Environment.GetEnvironmentVariable("_X_AMZN_TRACE_ID").ShouldNotBeNull().ShouldStartWith("Root=1-");
        _sns.Publishes.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task InitError_BadConfiguration_ReportedToTheInitErrorEndpoint()
    {
        var error = Should.Throw<OptionsException>(() => Composition.Pipeline(_ => null, TimeProvider.System, TextWriter.Null));

        await Loop().InitErrorAsync(error, CancellationToken.None);

        var post = _runtime.Posts.ShouldHaveSingleItem();
        post.Kind.ShouldBe("init-error");
        post.ErrorType.ShouldBe("OptionsException");
        post.Body.ShouldContain("REMEDIATOR_TOPIC_ARN");
    }

    [Fact]
    public async Task Process_InvocationDeadlineEarlierThanTheBudget_NothingSentPastIt()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2024, 5, 1, 13, 5, 0, TimeSpan.Zero));
        var pipeline = Composition.Pipeline(TestEnvironment.Env(_sns), time, TextWriter.Null, credentials: new StaticCredentials());

        // The deadline leaves only the safety margin: the 20 s budget gives way to it, so no publish is even tried.
        var e = await Should.ThrowAsync<Pipeline.PublishFailedException>(() =>
            pipeline.ProcessAsync(new MemoryStream(TestEnvironment.Delivery("causes/throttled__execution.log")), default, time.GetUtcNow().AddMilliseconds(500)));

        e.Message.ShouldContain("no time left");
        _sns.Requests.ShouldBeEmpty();
    }
}
