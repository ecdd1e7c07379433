using System.Text.Json;
using Remediator.Function.Pipeline;
using Remediator.Function.Tests.Support;
using Remediator.Testing;

namespace Remediator.Function.Tests;

/// <summary>
/// The organization's fan-in: Kinesis batches whose records are CloudWatch Logs deliveries (real gzip, each event
/// through the deployed subscription filter), answered with a partial batch response.
/// </summary>
public sealed class KinesisBatchTests : IDisposable
{
    private const string Central = "123456789012";
    private const string MemberA = "222222222222";
    private const string MemberB = "333333333333";

    private readonly FakeSns _sns = new();
    private readonly StringWriter _stdout = new();

    public void Dispose() => _sns.Dispose();

    private Handler NewHandler(params (string, string)[] env) =>
        new(Composition.Pipeline(TestEnvironment.Env(_sns, env), TimeProvider.System, _stdout, credentials: new StaticCredentials()));

    private static async Task<JsonElement> Invoke(Handler handler, byte[] payload)
    {
        await using var output = await handler.Handle(new MemoryStream(payload));
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private List<JsonElement> Digests() =>
        _sns.Publishes.Select(p =>
        {
            using var message = JsonDocument.Parse(p.Form["Message"]);
            using var machine = JsonDocument.Parse(message.RootElement.GetProperty("default").GetString()!);
            return machine.RootElement.Clone();
        }).ToList();

    [Fact]
    public async Task Handle_DocumentationShapeWithRealPayload_PublishesAndAcknowledgesEveryRecord()
    {
        var payload = KinesisEvents.Event(KinesisEvents.Data("causes/missing_invoke_permission__execution.log", MemberA));

        var response = await Invoke(NewHandler(), payload);

        // Exactly the partial batch response: Lambda reads nothing else.
        response.EnumerateObject().Select(p => p.Name).ShouldBe(["batchItemFailures"]);
        KinesisEvents.Failures(response).ShouldBeEmpty();
        var digest = Digests().ShouldHaveSingleItem();
        digest.GetProperty("accountId").GetString().ShouldBe(MemberA);
        _sns.Publishes.Single().Form["Subject"].ShouldContain("missing_invoke_permission a1b2c3d4e5/prod");
    }

    [Fact]
    public async Task Handle_UndecodableRecord_OnlyThatRecordIsReportedAndTheRestArePublished()
    {
        // The documentation's own sample data is "Hello, this is a test." in base64: not gzip, so not a delivery.
        var payload = KinesisEvents.Event(
            KinesisEvents.Data("causes/throttled__execution.log", MemberA),
            "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==",
            "not base64 at all \" }",
            KinesisEvents.Data("causes/function_timeout__execution.log", MemberA));

        var response = await Invoke(NewHandler(), payload);

        KinesisEvents.Failures(response).ShouldBe([KinesisEvents.Sequence(1), KinesisEvents.Sequence(2)]);
        Digests().ShouldHaveSingleItem().GetProperty("accountId").GetString().ShouldBe(MemberA);
        _stdout.ToString().ShouldContain("\"message\":\"undecodable kinesis record\"");
        _stdout.ToString().ShouldContain("not gzip");
    }

    [Fact]
    public async Task Handle_ControlMessageRecord_IsAcknowledgedWithoutPublishing()
    {
        var response = await Invoke(NewHandler(), KinesisEvents.Event(KinesisEvents.ControlData()));

        KinesisEvents.Failures(response).ShouldBeEmpty();
        _sns.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Handle_MixedAccounts_OneDeliveryPerOwnerAccountEachWithItsAccount()
    {
        // Each account's own API (API ids are unique, so the same failure in two accounts is two findings).
        var payload = KinesisEvents.Event(
            KinesisEvents.Data("causes/throttled__execution.log", MemberA),
            KinesisEvents.Data("causes/throttled__execution.log", MemberB, "API-Gateway-Execution-Logs_b2c3d4e5f6/prod"),
            KinesisEvents.Data("causes/function_timeout__execution.log", MemberA),
            KinesisEvents.Data("causes/function_timeout__execution.log", Central, "API-Gateway-Execution-Logs_c3d4e5f6a7/prod"));

        var response = await Invoke(NewHandler(), payload);

        KinesisEvents.Failures(response).ShouldBeEmpty();
        Digests().Select(d => d.GetProperty("apiId").GetString()).ShouldBe(["a1b2c3d4e5", "b2c3d4e5f6", "c3d4e5f6a7"]);
        // Groups in order of first appearance; member A's two records are one delivery, so one digest for its API.
        Digests().Select(d => d.GetProperty("accountId").GetString()).ShouldBe([MemberA, MemberB, Central]);
        var memberA = Digests()[0].GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("finding").GetProperty("cause").GetString()).Order().ToList();
        memberA.ShouldBe(["function_timeout", "throttled"]);
    }

    [Fact]
    public async Task Handle_OneGroupsPublishFails_OnlyThatGroupsRecordsAreRetried()
    {
        // The first publish (member A's digest) is refused for good; member B's goes out.
        _sns.Faults.Enqueue((400, "InvalidParameter"));
        var payload = KinesisEvents.Event(
            KinesisEvents.Data("causes/throttled__execution.log", MemberA),
            KinesisEvents.Data("causes/throttled__execution.log", MemberB, "API-Gateway-Execution-Logs_b2c3d4e5f6/prod"),
            KinesisEvents.Data("causes/function_timeout__execution.log", MemberA));

        var response = await Invoke(NewHandler(), payload);

        KinesisEvents.Failures(response).ShouldBe([KinesisEvents.Sequence(0), KinesisEvents.Sequence(2)]);
        Digests().ShouldHaveSingleItem().GetProperty("accountId").GetString().ShouldBe(MemberB);
        _stdout.ToString().ShouldContain("\"message\":\"kinesis group failed\"");
    }

    [Fact]
    public async Task Handle_RecordWithoutSequenceNumber_FailsTheWholeBatch()
    {
        var payload = """{"Records":[{"eventSource":"aws:kinesis","kinesis":{"data":"H4sIAAAAAAAAAwMAAAAAAAAAAAA="}}]}"""u8.ToArray();

        await Should.ThrowAsync<UndecodableDeliveryException>(() => NewHandler().Handle(new MemoryStream(payload)));
    }

    [Fact]
    public async Task Handle_SubscriptionDelivery_StillTakesTheDirectPath()
    {
        var result = await Invoke(NewHandler(), TestEnvironment.Deployed("causes/missing_invoke_permission__execution.log"));

        result.GetProperty("published").GetInt32().ShouldBe(1);
        result.TryGetProperty("batchItemFailures", out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData("""{"Records":[]}""")]
    [InlineData("""{"Records":[{"eventSource":"aws:sqs","body":"x"}]}""")]
    [InlineData("""{"awslogs":{"data":"x"},"Records":1}""")]
    public void TryRead_NotAKinesisBatch_IsLeftToTheSubscriptionPath(string payload) =>
        KinesisBatch.TryRead(System.Text.Encoding.UTF8.GetBytes(payload)).ShouldBeNull();
}
