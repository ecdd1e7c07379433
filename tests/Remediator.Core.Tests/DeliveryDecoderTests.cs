using System.Text;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>The function's decoder: one unreadable event costs only itself, and the message's members may come in any order.</summary>
public class DeliveryDecoderTests
{
    private const string Group = "API-Gateway-Execution-Logs_a1b2c3d4e5/prod";
    private const string Header = "\"messageType\":\"DATA_MESSAGE\",\"owner\":\"123456789012\",\"logGroup\":\"" + Group + "\",\"logStream\":\"s\",\"subscriptionFilters\":[\"remediator\"]";

    private static List<string> Lines() =>
        File.ReadAllLines(Fixtures.PathOf("causes/throttled__execution.log")).Where(l => l.StartsWith('(')).ToList();

    /// <summary>A DATA_MESSAGE written by hand: <paramref name="rawMessages"/> are the bytes between the quotes of each message.</summary>
    private static byte[] Delivery(IEnumerable<byte[]> rawMessages, bool eventsFirst = false, string header = Header)
    {
        var events = new MemoryStream();
        events.Write("\"logEvents\":["u8);
        var i = 0;
        foreach (var raw in rawMessages)
        {
            events.Write(Encoding.UTF8.GetBytes($"{(i > 0 ? "," : "")}{{\"id\":\"{i}\",\"timestamp\":{1_714_568_720_000L + i},\"message\":\""));
            events.Write(raw);
            events.Write("\"}"u8);
            i++;
        }
        events.Write("]"u8);
        var json = new MemoryStream();
        json.Write("{"u8);
        if (eventsFirst)
        {
            json.Write(events.ToArray());
            json.Write(Encoding.UTF8.GetBytes("," + header));
        }
        else
        {
            json.Write(Encoding.UTF8.GetBytes(header + ","));
            json.Write(events.ToArray());
        }
        json.Write("}"u8);
        return SubscriptionPayload.Wrap(json.ToArray());
    }

    private static byte[] Escaped(string line) => Encoding.UTF8.GetBytes(line.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal));

    private static (List<LogRecord> Records, List<string> Skipped) Read(byte[] delivery)
    {
        var skipped = new List<string>();
        var records = SubscriptionPayload.ReadEvents(delivery, LogContext.For("delivery"), new ReadLimits(), skipped.Add).ToList();
        return (records, skipped);
    }

    public static TheoryData<string, byte[]> BadMessages() => new()
    {
        { "invalid UTF-8", [.. "broken "u8, 0xC3, 0x28, 0xFF, .. " text"u8] },
        { "lone surrogate escape", "half a pair \\ud800 here"u8.ToArray() },
        { "lone low surrogate escape", "\\udc00"u8.ToArray() },
    };

    [Theory]
    [MemberData(nameof(BadMessages))]
    public void ReadEvents_OneBadEventOfMany_SkippedAndCountedTheRestDiagnosed(string what, byte[] bad)
    {
        var lines = Lines();
        var raw = lines.Select(Escaped).ToList();
        raw.Insert(3, bad);

        var (records, skipped) = Read(Delivery(raw));

        skipped.Count.ShouldBe(1, what);
        skipped[0].ShouldContain("event 3 of logEvents");
        records.Count.ShouldBe(lines.Count);
        var builder = new DiagnosisBuilder();
        foreach (var r in records) { builder.Add(r); }
        builder.Build().Findings.ShouldHaveSingleItem().Cause.ShouldBe(Cause.Throttled);
    }

    [Theory]
    [MemberData(nameof(BadMessages))]
    public void ReadDelivery_BadEventWithoutASkipHandler_UnreadableInputNamingTheEvent(string what, byte[] bad)
    {
        var delivery = Delivery([Escaped(Lines()[0]), bad]);

        var e = Should.Throw<UnreadableInputException>(() => InputReader.ReadDelivery(delivery, LogContext.For("delivery")).ToList(), what);

        e.Message.ShouldContain("event 1 of logEvents");
    }

    [Fact]
    public void ReadEvents_EventsBeforeTheMessageMembers_KeepGroupAndAccount()
    {
        var lines = Lines();

        var (records, skipped) = Read(Delivery(lines.Select(Escaped), eventsFirst: true));

        skipped.ShouldBeEmpty();
        records.Count.ShouldBe(lines.Count);
        records.ShouldAllBe(r => r.Context.LogGroup == Group && r.Context.AccountId == "123456789012");
        var builder = new DiagnosisBuilder();
        foreach (var r in records) { builder.Add(r); }
        var finding = builder.Build().Findings.ShouldHaveSingleItem();
        finding.Key.ApiId.ShouldBe("a1b2c3d4e5");
        finding.AccountId.ShouldBe("123456789012");
    }

    [Fact]
    public void ReadEvents_ControlMessageWithEventsFirst_NoEvents()
    {
        var delivery = Delivery(["CWL CONTROL MESSAGE: Checking health of destination Lambda."u8.ToArray()], eventsFirst: true,
            header: "\"messageType\":\"CONTROL_MESSAGE\",\"owner\":\"CloudwatchLogs\",\"logGroup\":\"\",\"logStream\":\"\",\"subscriptionFilters\":[]");

        var (records, skipped) = Read(delivery);

        records.ShouldBeEmpty();
        skipped.ShouldBeEmpty();
    }

    [Fact]
    public void ReadEvents_TruncatedMessage_FailsTheDelivery()
    {
        var json = Encoding.UTF8.GetBytes("{" + Header + ",\"logEvents\":[{\"id\":\"0\",\"timestamp\":1,\"message\":\"(x) y\"},{\"id\":\"1\",");

        Should.Throw<UnreadableInputException>(() => Read(SubscriptionPayload.Wrap(json)));
    }

    public static TheoryData<string> InspectCases() =>
        ["plain", "bad first event", "bad later event", "no record first", "other account in @log", "events first", "control", "no owner",
         "truncated", "cut in an event", "too large an event", "cut envelope"];

    [Theory]
    [MemberData(nameof(InspectCases))]
    public void Inspect_Delivery_SameEventsOwnerAndErrorAsReadingEveryEvent(string variant)
    {
        var raw = Lines().Select(Escaped).ToList();
        var limits = new ReadLimits();
        var header = Header;
        var eventsFirst = false;
        switch (variant)
        {
            case "bad first event": raw.Insert(0, [.. "broken "u8, 0xC3, 0x28]); break;
            case "bad later event": raw.Insert(4, "\\ud800"u8.ToArray()); break;
            case "events first": eventsFirst = true; break;
            case "control": header = header.Replace("DATA_MESSAGE", "CONTROL_MESSAGE", StringComparison.Ordinal); break;
            case "no owner": header = header.Replace("123456789012", "CloudwatchLogs", StringComparison.Ordinal); break;
            case "too large an event": limits = new ReadLimits(MaxJsonValueBytes: 64 * 1024); raw.Insert(5, Encoding.UTF8.GetBytes(new string('x', 200_000))); break;
        }
        var delivery = Delivery(raw, eventsFirst, header);
        var message = new MemoryStream();
        using (var data = SubscriptionPayload.OpenData(delivery))
        {
            data.CopyTo(message);
        }
        var text = Encoding.UTF8.GetString(message.ToArray());
        delivery = variant switch
        {
            // An event that yields no record (its message is not text), then one whose @log names another account.
            "no record first" => SubscriptionPayload.Wrap(Encoding.UTF8.GetBytes(text.Replace("\"logEvents\":[", "\"logEvents\":[{\"id\":\"x\",\"message\":{\"a\":1}},", StringComparison.Ordinal))),
            "other account in @log" => SubscriptionPayload.Wrap(Encoding.UTF8.GetBytes(text.Replace("\"logEvents\":[", "\"logEvents\":[{\"@log\":\"210987654321:other\",\"@message\":\"(id1234567) Method completed with status: 200\"},", StringComparison.Ordinal))),
            "truncated" => SubscriptionPayload.Wrap(Encoding.UTF8.GetBytes(text[..(text.Length / 2)])),
            "cut in an event" => SubscriptionPayload.Wrap(Encoding.UTF8.GetBytes(text[..(text.IndexOf("\"id\":\"6\"", StringComparison.Ordinal) + 4)])),
            "cut envelope" => SubscriptionPayload.Wrap(Encoding.UTF8.GetBytes(text))[..^8],
            _ => delivery,
        };

        string Reference()
        {
            var events = false;
            string? owner = null;
            try
            {
                foreach (var record in SubscriptionPayload.ReadEvents(delivery, LogContext.For("x"), limits, _ => events = true))
                {
                    events = true;
                    owner ??= record.Context.AccountId;
                }
            }
            catch (UnreadableInputException e)
            {
                return "unreadable: " + e.Message;
            }
            return $"{events} {owner}";
        }
        string Inspected()
        {
            try
            {
                var (events, owner) = SubscriptionPayload.Inspect(delivery, LogContext.For("x"), limits);
                return $"{events} {owner}";
            }
            catch (UnreadableInputException e)
            {
                return "unreadable: " + e.Message;
            }
        }

        var expected = Reference();
        Inspected().ShouldBe(expected);
        if (variant is "plain" or "bad later event")
        {
            expected.ShouldBe("True 123456789012");
        }
        if (variant is "too large an event" or "truncated" or "cut in an event" or "cut envelope")
        {
            expected.ShouldStartWith("unreadable: ");
        }
    }
}
