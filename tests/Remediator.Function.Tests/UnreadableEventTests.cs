using System.Text;
using System.Text.Json;
using Remediator.Core.Ingest;
using Remediator.Function.Tests.Support;
using Remediator.Testing;

namespace Remediator.Function.Tests;

/// <summary>A delivery with one unreadable event: that event is skipped, logged and counted; the rest is diagnosed and published.</summary>
public sealed class UnreadableEventTests : IDisposable
{
    private readonly FakeSns _sns = new();
    private readonly StringWriter _stdout = new();

    public void Dispose() => _sns.Dispose();

    private Handler NewHandler() => new(Composition.Pipeline(TestEnvironment.Env(_sns), TimeProvider.System, _stdout, credentials: new StaticCredentials()));

    /// <summary>The fixture's events as a hand-written DATA_MESSAGE, with <paramref name="bad"/> as the raw bytes of one more message.</summary>
    private static byte[] Delivery(byte[]? bad, bool eventsFirst = false, string messageType = "DATA_MESSAGE")
    {
        var lines = File.ReadAllLines(TestEnvironment.Fixture("causes/throttled__execution.log")).Where(l => l.StartsWith('(')).ToList();
        var events = new MemoryStream();
        events.Write("\"logEvents\":["u8);
        var messages = lines.Select(l => JsonEncodedText.Encode(l).EncodedUtf8Bytes.ToArray()).ToList();
        if (bad is not null)
        {
            messages.Insert(2, bad);
        }
        for (var i = 0; i < messages.Count; i++)
        {
            events.Write(Encoding.UTF8.GetBytes($"{(i > 0 ? "," : "")}{{\"id\":\"{i}\",\"timestamp\":{1_714_568_720_000L + i},\"message\":\""));
            events.Write(messages[i]);
            events.Write("\"}"u8);
        }
        events.Write("]"u8);
        var header = Encoding.UTF8.GetBytes($"\"messageType\":\"{messageType}\",\"owner\":\"123456789012\",\"logGroup\":\"{TestEnvironment.Group}\",\"logStream\":\"s\",\"subscriptionFilters\":[\"r\"]");
        var json = new MemoryStream();
        json.Write("{"u8);
        json.Write(eventsFirst ? events.ToArray() : header);
        json.Write(","u8);
        json.Write(eventsFirst ? header : events.ToArray());
        json.Write("}"u8);
        return SubscriptionPayload.Wrap(json.ToArray());
    }

    private async Task<JsonElement> Invoke(byte[] delivery)
    {
        using var output = await NewHandler().Handle(new MemoryStream(delivery));
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    [Theory]
    [InlineData(new byte[] { 0x62, 0x61, 0x64, 0xC3, 0x28, 0xFF })]
    [InlineData(new byte[] { 0x5C, 0x75, 0x64, 0x38, 0x30, 0x30 })] // \ud800
    public async Task Handle_OneUnreadableEventOfMany_SkippedLoggedCountedRestPublished(byte[] bad)
    {
        var result = await Invoke(Delivery(bad));

        result.GetProperty("published").GetInt32().ShouldBe(1);
        _sns.Publishes.ShouldHaveSingleItem().Form["Subject"].ShouldContain("throttled");
        var lines = _stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var skipped = lines.Where(l => l.Contains("\"log event skipped\"")).ShouldHaveSingleItem();
        skipped.ShouldContain("event 2 of logEvents");
        lines.ShouldContain(l => l.Contains("\"SkippedLogEvents\":1") && l.Contains("\"DecodeFailures\":0"));
        lines.ShouldNotContain(l => l.Contains("undecodable delivery"));
    }

    [Fact]
    public async Task Handle_EventsBeforeMessageTypeAndGroup_DiagnosedWithGroupAndAccount()
    {
        var result = await Invoke(Delivery(null, eventsFirst: true));

        result.GetProperty("published").GetInt32().ShouldBe(1);
        var form = _sns.Publishes.ShouldHaveSingleItem().Form;
        form["Subject"].ShouldContain("a1b2c3d4e5/prod");
        using var message = JsonDocument.Parse(form["Message"]);
        using var machine = JsonDocument.Parse(message.RootElement.GetProperty("default").GetString()!);
        machine.RootElement.GetProperty("accountId").GetString().ShouldBe("123456789012");
    }

    [Fact]
    public async Task Handle_ControlMessageWithEventsFirst_ControlNotData()
    {
        var result = await Invoke(Delivery(null, eventsFirst: true, messageType: "CONTROL_MESSAGE"));

        result.GetProperty("control").GetBoolean().ShouldBeTrue();
        result.GetProperty("logEvents").GetInt64().ShouldBe(0);
        _sns.Requests.ShouldBeEmpty();
    }
}
