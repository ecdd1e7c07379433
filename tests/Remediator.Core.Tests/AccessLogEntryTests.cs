using System.Text.Json;
using Remediator.Core.Ingest;

namespace Remediator.Core.Tests;

/// <summary>The owner names the keys: each naming of the same $context variable is recognised.</summary>
public class AccessLogEntryTests
{
    [Theory]
    [InlineData("""{"requestId":"r1","status":"502","error":{"message":"Internal server error","responseType":"INTEGRATION_FAILURE"},"integration":{"error":"Lambda Customer Function Error:boom","status":"200","latency":"12"}}""")]
    [InlineData("""{"requestId":"r1","status":502,"errorMessage":"Internal server error","errorResponseType":"INTEGRATION_FAILURE","integrationErrorMessage":"Lambda Customer Function Error:boom","integrationStatus":"200","integrationLatency":12}""")]
    [InlineData("""{"request_id":"r1","status_code":"502","error_message":"Internal server error","error_responseType":"INTEGRATION_FAILURE","integration_error":"Lambda Customer Function Error:boom","integration_status":"200","integration_latency":"12"}""")]
    [InlineData("""{"$context.requestId":"r1","$context.status":"502","$context.error.message":"Internal server error","$context.error.responseType":"INTEGRATION_FAILURE","$context.integration.error":"Lambda Customer Function Error:boom","$context.integration.status":"200","$context.integration.latency":"12"}""")]
    public void FromJson_AnyKeyNaming_SameMeaning(string json)
    {
        using var doc = JsonDocument.Parse(json);

        var e = AccessLogEntry.FromJson(doc.RootElement).ShouldNotBeNull();

        e.RequestId.ShouldBe("r1");
        e.Status.ShouldBe(502);
        e.ErrorMessage.ShouldBe("Internal server error");
        e.ResponseType.ShouldBe("INTEGRATION_FAILURE");
        e.IntegrationError.ShouldBe("Lambda Customer Function Error:boom");
        e.IntegrationStatus.ShouldBe(200);
        e.IntegrationLatencyMs.ShouldBe(12);
    }

    [Fact]
    public void FromJson_UnsetVariablesAreDashes_ReadAsAbsent()
    {
        using var doc = JsonDocument.Parse("""{"requestId":"r1","status":"500","integrationStatus":"-","integrationErrorMessage":"-"}""");

        var e = AccessLogEntry.FromJson(doc.RootElement).ShouldNotBeNull();

        e.IntegrationStatus.ShouldBeNull();
        e.IntegrationError.ShouldBeNull();
    }

    [Fact]
    public void FromJson_NoStatusNoRequestId_NotAnAccessLog()
    {
        using var doc = JsonDocument.Parse("""{"name":"my-package","version":"1.0.0"}""");

        AccessLogEntry.FromJson(doc.RootElement).ShouldBeNull();
    }

    [Theory]
    [InlineData("203.0.113.7 - - [07/Jun/2024:10:00:00 +0000] \"GET GET /books/{id} HTTP/1.1\" 500 35 Yp8gZhE8IAMESVA=", "GET /books/{id}", null, null)]
    [InlineData("203.0.113.7 - - [07/Jun/2024:10:00:00 +0000] \"POST POST /start HTTP/1.1\" 500 35 fQke_hDCDoEEMpw= API Gateway doesn’t have permissions to assume the IAM role configured on the integration. Check the permissions and try again.", "POST /start", null, "API Gateway doesn’t have permissions to assume the IAM role configured on the integration. Check the permissions and try again.")]
    [InlineData("203.0.113.7 - - [07/Jun/2024:10:00:00 +0000] \"GET /books/{id} HTTP/1.1\" 502 36 8d7a5c1e-1111-2222-3333-444455556666 aod9cvhCK9HfBwg=", null, "/books/{id}", null)]
    public void FromClf_ConsolePresets_Parsed(string line, string? routeKey, string? resourcePath, string? integrationError)
    {
        var e = AccessLogEntry.FromClf(line).ShouldNotBeNull();

        e.RouteKey.ShouldBe(routeKey);
        e.ResourcePath.ShouldBe(resourcePath);
        e.IntegrationError.ShouldBe(integrationError);
        e.Time.ShouldBe(new DateTimeOffset(2024, 6, 7, 10, 0, 0, TimeSpan.Zero));
        e.Status!.Value.ShouldBeGreaterThanOrEqualTo(500);
    }
}
