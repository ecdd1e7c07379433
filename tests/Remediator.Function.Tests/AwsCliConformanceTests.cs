using System.Text.Json;
using Remediator.Core.Notify;
using Remediator.Function.Tests.Support;
using Remediator.Testing;

namespace Remediator.Function.Tests;

/// <summary>
/// The reference client: Debian's AWS CLI (aws sns publish --endpoint-url ...) works against the local endpoint
/// (so the endpoint speaks SNS), and sends the same form fields our client sends for the same publish.
/// .ci/run installs awscli.
/// </summary>
public sealed class AwsCliConformanceTests : IDisposable
{
    private readonly FakeSns _sns = new();

    public void Dispose() => _sns.Dispose();

    [Fact]
    public async Task Publish_SameMessage_AwsCliAndOurClientSendTheSameFields()
    {
        var message = new OutgoingMessage("f00dfeedf00dfeed", "[Remediator] 502 malformed_proxy_response a1b2c3d4e5/prod GET /books/{id} x3",
            [new("cause", "malformed_proxy_response"), new("severity", "high"), new("status", "502", "Number")],
            Chatbot: """{"version":"1.0","source":"custom","content":{"textType":"client-markdown","title":"t ü €","description":"d & = + %"}}""",
            Email: "Line one\nLine two: a & b = c + d %20 ü",
            Machine: """{"schema":"remediator.finding/1"}""");

        var cli = RunAwsCli("sns", "publish", "--topic-arn", TestEnvironment.TopicArn, "--subject", message.Subject,
            "--message", message.Structured, "--message-structure", "json",
            "--message-attributes", JsonSerializer.Serialize(message.Attributes.ToDictionary(a => a.Name, a => new { DataType = a.DataType, StringValue = a.Value })));
        var publisher = Composition.Sns(TestEnvironment.TopicArn, TestEnvironment.Env(_sns), TimeProvider.System, credentials: new StaticCredentials());
        var ourId = await publisher.PublishAsync(message, DateTimeOffset.UtcNow.AddSeconds(20), default);

        var requests = _sns.All.ToList();
        requests.Count.ShouldBe(2);
        requests.ShouldAllBe(r => r.Signature.Valid);
        requests[0].Signature.SignedHeaders.ShouldContain("x-amz-security-token");
        using var cliAnswer = JsonDocument.Parse(cli);
        Guid.TryParse(cliAnswer.RootElement.GetProperty("MessageId").GetString(), out _).ShouldBeTrue("the CLI parsed our endpoint's XML answer");
        Guid.TryParse(ourId, out _).ShouldBeTrue();
        Sorted(requests[1].FormPairs).ShouldBe(Sorted(requests[0].FormPairs));
    }

    private static List<string> Sorted(IEnumerable<KeyValuePair<string, string>> pairs) =>
        pairs.Select(p => $"{p.Key}={p.Value}").Order(StringComparer.Ordinal).ToList();

    private string RunAwsCli(params string[] args) => AwsCli.Run(_sns.Endpoint, args);
}
