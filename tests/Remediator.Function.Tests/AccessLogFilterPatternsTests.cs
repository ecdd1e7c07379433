using System.Text.Json;
using System.Text.Json.Nodes;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Testing;

namespace Remediator.Function.Tests;

/// <summary>
/// The access-log groups' deployed patterns pass every 5xx entry and no 2xx or 4xx entry: over every access fixture
/// line, and over each status key the JSON pattern names, as a JSON string and as a JSON number.
/// </summary>
public class AccessLogFilterPatternsTests
{
    private static string Causes => Path.Combine(AppContext.BaseDirectory, "fixtures", "causes");

    private static List<string> AccessFixtureNames() =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "fixtures", "causes"), "*__access*")
            .Where(f => !f.EndsWith(".expect", StringComparison.Ordinal)).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();

    public static TheoryData<string> AccessFixtures => [.. AccessFixtureNames()];

    [Theory]
    [MemberData(nameof(AccessFixtures))]
    public void Pattern_EveryAccessFixtureLine_PassesExactlyThe5xxEntries(string fixture)
    {
        var format = fixture.EndsWith(".clf", StringComparison.Ordinal) ? AccessLogFormat.Clf : AccessLogFormat.Json;
        var filter = FilterPattern.Parse(AccessLogFilterPatterns.For(format));

        var events = DeployedDelivery.Events(Path.Combine(Causes, fixture));

        events.ShouldNotBeEmpty();
        foreach (var e in events)
        {
            var status = format == AccessLogFormat.Clf ? AccessLogEntry.FromClf(e)?.Status : AccessLogEntry.FromJson(JsonDocument.Parse(e).RootElement)?.Status;
            status.ShouldNotBeNull(e);
            filter.Matches(e).ShouldBe(status >= 500, e);
        }
    }

    [Fact]
    public void Fixtures_HoldBothJsonStatusForms_SoTheTableAboveProvesBoth()
    {
        var statuses = AccessFixtureNames().Where(f => !f.EndsWith(".clf", StringComparison.Ordinal))
            .SelectMany(f => DeployedDelivery.Events(Path.Combine(Causes, f)))
            .Select(e => JsonNode.Parse(e)!["status"]).Where(s => s is not null && s.ToString().StartsWith('5')).ToList();

        statuses.ShouldContain(s => s!.GetValueKind() == JsonValueKind.String);
        statuses.ShouldContain(s => s!.GetValueKind() == JsonValueKind.Number);
    }

    public static TheoryData<string, bool, int> KeyCases()
    {
        var data = new TheoryData<string, bool, int>();
        foreach (var key in AccessLogFilterPatterns.JsonStatusKeys)
        {
            foreach (var asString in new[] { true, false })
            {
                foreach (var status in new[] { 200, 204, 301, 400, 403, 404, 429, 500, 502, 503, 504 })
                {
                    data.Add(key, asString, status);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(KeyCases))]
    public void JsonPattern_EachStatusKeyAsStringOrNumber_PassesOnly5xxAndTheReaderAgrees(string key, bool asString, int status)
    {
        // {"requestId":"r1","response":{"status":"502"}} for "response.status".
        var entry = new JsonObject { ["requestId"] = "r1", ["routeKey"] = "GET /x" };
        var parts = key.Split('.');
        var parent = entry;
        foreach (var part in parts[..^1])
        {
            var child = new JsonObject();
            parent[part] = child;
            parent = child;
        }
        parent[parts[^1]] = asString ? JsonValue.Create(status.ToString(System.Globalization.CultureInfo.InvariantCulture)) : JsonValue.Create(status);
        var line = entry.ToJsonString();

        FilterPattern.Parse(AccessLogFilterPatterns.Json).Matches(line).ShouldBe(status >= 500, line);
        AccessLogEntry.FromJson(JsonDocument.Parse(line).RootElement)!.Status.ShouldBe(status, line);
    }

    [Theory]
    // The REST and HTTP console presets (AccessLogEntry's comment), with and without an appended error message, IPv6.
    [InlineData("203.0.113.63 - - [05/May/2024:11:10:03 +0000] \"GET /books/{id} HTTP/1.1\" 502 36 71b2a95a-015d-4b76-b765-a8d553d3492a xklgBSwxX1OJVdA=", true)]
    [InlineData("203.0.113.63 AIDACKCEVSQ6C2EXAMPLE arn:aws:iam::123456789012:user/x [05/May/2024:11:10:03 +0000] \"POST /orders HTTP/1.1\" 504 36 71b2a95a xklgBSwxX1OJVdA=", true)]
    [InlineData("198.51.100.38 - - [05/May/2024:08:55:18 +0000] \"GET GET /books/{id} HTTP/1.1\" 503 33 THSupHxDpmLQ8oA=", true)]
    [InlineData("2001:db8::1 - - [05/May/2024:08:55:18 +0000] \"GET $default HTTP/2.0\" 500 35 THSupHxDpmLQ8oA= The response from the Lambda function doesn't match the format", true)]
    [InlineData("198.51.100.38 - - [05/May/2024:08:55:18 +0000] \"GET GET /books/{id} HTTP/1.1\" 200 33 THSupHxDpmLQ8oA=", false)]
    [InlineData("198.51.100.38 - - [05/May/2024:08:55:18 +0000] \"GET GET /books/{id} HTTP/1.1\" 404 23 THSupHxDpmLQ8oA=", false)]
    [InlineData("203.0.113.4 - - [05/May/2024:14:29:09 +0000] \"POST - HTTP/1.1\" 403 42 9b376161 jYF8V6mrr4JA4gg=", false)]
    [InlineData("198.51.100.38 - - [05/May/2024:08:55:18 +0000] \"GET GET /500 HTTP/1.1\" 429 33 5xxxxxxxxxxxxxx=", false)]
    public void ClfPattern_PresetLines_PassesOnly5xx(string line, bool expected)
    {
        FilterPattern.Parse(AccessLogFilterPatterns.Clf).Matches(line).ShouldBe(expected);
    }

    [Fact]
    public void Patterns_FitCloudWatchsLimitAndParse()
    {
        foreach (var pattern in new[] { AccessLogFilterPatterns.Json, AccessLogFilterPatterns.Clf })
        {
            pattern.Length.ShouldBeLessThanOrEqualTo(SubscriptionFilterTerms.MaxPatternLength);
            Should.NotThrow(() => FilterPattern.Parse(pattern));
        }
    }
}
