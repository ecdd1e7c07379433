using System.Text.Json;
using Remediator.Core.Diagnosis;
using Remediator.Core.Notify;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>The published bodies: approved snapshots per cause, SNS's constraints, and what must never be in them.</summary>
public class FindingMessagesTests
{
    private static readonly AlertContext Context = new("123456789012", "us-east-1", 7, new DateTimeOffset(2024, 5, 1, 12, 50, 0, TimeSpan.Zero));

    /// <summary>One representative fixture per cause: its CloudWatch-form execution log where there is one.</summary>
    public static TheoryData<string> OnePerCause()
    {
        var data = new TheoryData<string>();
        foreach (var cause in CauseNames.All)
        {
            var name = cause.ToName();
            var files = Directory.GetFiles(Path.Combine(Fixtures.Root, "causes"), name + "__*.expect").Select(f => Path.GetFileName(f)[..^".expect".Length]).Order(StringComparer.Ordinal).ToList();
            data.Add("causes/" + (files.FirstOrDefault(f => f == $"{name}__execution.log") ?? files.First()));
        }
        return data;
    }

    private static Finding FindingOf(string fixture) => Fixtures.Diagnose(fixture).Findings.ShouldHaveSingleItem();

    [Theory]
    [MemberData(nameof(OnePerCause))]
    public void Email_EachCause_MatchesApproved(string fixture)
    {
        var message = FindingMessages.Build(FindingOf(fixture), Context);

        message.Email.ShouldMatchApproved(c => c.SubFolder("approved/email").WithDiscriminator(Path.GetFileNameWithoutExtension(fixture).Split("__")[0]).NoDiff());
    }

    [Theory]
    [MemberData(nameof(OnePerCause))]
    public void Chatbot_EachCause_MatchesApprovedAndHasTheRequiredShape(string fixture)
    {
        var message = FindingMessages.Build(FindingOf(fixture), Context);

        using var doc = JsonDocument.Parse(message.Chatbot);
        var root = doc.RootElement;
        root.GetProperty("version").GetString().ShouldBe("1.0");
        root.GetProperty("source").GetString().ShouldBe("custom");
        root.GetProperty("content").GetProperty("textType").GetString().ShouldBe("client-markdown");
        root.GetProperty("content").GetProperty("description").GetString().ShouldNotBeNullOrWhiteSpace();
        root.GetProperty("content").GetProperty("nextSteps").GetArrayLength().ShouldBeGreaterThan(0);
        root.GetProperty("metadata").GetProperty("threadId").GetString().ShouldEndWith(":" + FindingOf(fixture).Cause.ToName());
        foreach (var value in root.GetProperty("metadata").GetProperty("additionalContext").EnumerateObject())
        {
            value.Value.ValueKind.ShouldBe(JsonValueKind.String); // Chatbot takes string values only
        }
        JsonSerializer.Serialize(doc.RootElement, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })
            .ShouldMatchApproved(c => c.SubFolder("approved/chatbot").WithDiscriminator(Path.GetFileNameWithoutExtension(fixture).Split("__")[0]).NoDiff());
    }

    [Theory]
    [MemberData(nameof(OnePerCause))]
    public void Build_EachCause_SubjectAttributesAndStructureAsSnsRequires(string fixture)
    {
        var finding = FindingOf(fixture);
        var message = FindingMessages.Build(finding, Context);

        message.Subject.Length.ShouldBeLessThanOrEqualTo(99);
        message.Subject.ShouldAllBe(c => c >= ' ' && c <= '~');
        message.Subject.ShouldStartWith($"[Remediator] ");
        message.Subject.ShouldContain(finding.Cause.ToName());
        message.Attributes.Select(a => a.Name).ShouldContain("findingId");
        message.Attributes.ShouldAllBe(a => a.Value.Length > 0);
        using var structured = JsonDocument.Parse(message.Structured);
        structured.RootElement.EnumerateObject().Select(p => p.Name).ShouldBe(["default", "https", "email"]);
        structured.RootElement.EnumerateObject().ShouldAllBe(p => p.Value.ValueKind == JsonValueKind.String);
        using var machine = JsonDocument.Parse(structured.RootElement.GetProperty("default").GetString()!);
        machine.RootElement.GetProperty("schema").GetString().ShouldBe(FindingMessages.Schema);
        machine.RootElement.GetProperty("finding").GetProperty("id").GetString().ShouldBe(finding.Id);
        machine.RootElement.GetProperty("suppressedSinceLastAlert").GetInt64().ShouldBe(7);
        message.Size.ShouldBeLessThan(OutgoingMessage.MaxBytes);
    }

    [Fact]
    public void Build_HostileErrorMessageAndRoute_NeutralisedEverywhere()
    {
        var hostile = "<!channel> @here `rm -rf` <https://evil.example|click> \n\u0007 jane.doe@example.com Bearer abcdefghijklmnop AKIAIOSFODNN7EXAMPLE 4111 1111 1111 1111 password=hunter2";
        var log = $$"""
            (11111111-2222-3333-4444-555555555555) HTTP Method: GET, Resource Path: /users/jane.doe@example.com/<!here>
            (11111111-2222-3333-4444-555555555555) Lambda execution failed with status 200 due to customer function error: {{hostile}}. Lambda request id: 0e0e0e0e-1111-2222-3333-444444444444
            (11111111-2222-3333-4444-555555555555) Method completed with status: 502
            """;
        var finding = Fixtures.DiagnoseText(log).Findings.ShouldHaveSingleItem();

        var message = FindingMessages.Build(finding, Context);

        foreach (var text in new[] { message.Subject, message.Email, message.Chatbot, message.Machine, message.Structured }.Concat(message.Attributes.Select(a => a.Value)))
        {
            var decoded = text.Replace("\\u003C", "<", StringComparison.Ordinal).Replace("\\u003E", ">", StringComparison.Ordinal);
            decoded.ShouldNotContain("<!channel>");
            decoded.ShouldNotContain("<!here>");
            decoded.ShouldNotContain("@here");
            decoded.ShouldNotContain("<https://");
            decoded.ShouldNotContain("`rm");
            decoded.ShouldNotContain("jane.doe@example.com");
            decoded.ShouldNotContain("abcdefghijklmnop");
            decoded.ShouldNotContain("AKIAIOSFODNN7EXAMPLE");
            decoded.ShouldNotContain("4111 1111 1111 1111");
            decoded.ShouldNotContain("hunter2");
            decoded.ShouldNotContain("\u0007");
        }
        message.Subject.ShouldNotContain("\n");
        message.Email.ShouldContain("[email]");
    }

    [Fact]
    public void Build_HugeFinding_StaysUnderTheSnsLimit()
    {
        var finding = FindingOf("causes/function_error__execution.log");
        var huge = finding with
        {
            ErrorMessage = new string('e', 2_000_000),
            Evidence = new string('v', 2_000_000),
            Key = finding.Key with { ResourcePath = "/" + new string('p', 500_000) },
        };

        var message = FindingMessages.Build(huge, Context);

        message.Size.ShouldBeLessThan(OutgoingMessage.MaxBytes);
        message.Subject.Length.ShouldBeLessThanOrEqualTo(99);
    }

    [Fact]
    public void AlertGate_StormOfOneFinding_OneAlertPerWindowWithTheCount()
    {
        var gate = new AlertGate(TimeSpan.FromMinutes(15));
        var t0 = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);
        var sent = 0;
        long reported = 0;
        for (var i = 0; i < 2_000; i++) // one delivery every 3 seconds for 100 minutes, 500 failures each
        {
            var now = t0.AddSeconds(3 * i);
            var d = gate.Consider("f1", 500, now);
            if (d.Send)
            {
                sent++;
                reported += 500 + d.SuppressedSinceLastAlert;
                gate.Sent("f1", now);
            }
        }

        sent.ShouldBe(7); // minutes 0, 15, 30, 45, 60, 75, 90
        reported.ShouldBeLessThanOrEqualTo(2_000 * 500);
        reported.ShouldBeGreaterThan(2_000 * 500 - 15 * 20 * 500); // all but the last window's were reported
    }
}
