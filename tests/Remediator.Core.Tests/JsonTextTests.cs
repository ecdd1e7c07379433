using System.Text.Json;
using Remediator.Core.Report;

namespace Remediator.Core.Tests;

/// <summary>The warm per-thread buffer must never leak one body into another: after nesting, after a large body, after a throw.</summary>
public class JsonTextTests
{
    [Fact]
    public void Write_NestedWrite_EachBodyWhole()
    {
        var outer = JsonText.Write(default, w =>
        {
            w.WriteStartObject();
            w.WriteString("inner", JsonText.Write(default, i => { i.WriteStartArray(); i.WriteStringValue("a"); i.WriteEndArray(); }));
            w.WriteEndObject();
        });

        outer.ShouldBe("{\"inner\":\"[\\u0022a\\u0022]\"}");
        JsonText.Write(default, w => w.WriteNumberValue(1)).ShouldBe("1");
    }

    [Theory]
    [InlineData(10)]
    [InlineData(300_000)]
    [InlineData(2_000_000)]
    public void Write_AfterABodyOfAnySize_NextBodyStartsEmpty(int length)
    {
        var big = new string('x', length);

        JsonText.Write(default, w => w.WriteStringValue(big)).Length.ShouldBe(length + 2);
        JsonText.Write(default, w => w.WriteStringValue("y")).ShouldBe("\"y\"");
    }

    [Fact]
    public void Write_AfterAWriterThatThrew_NextBodyStartsEmpty()
    {
        Should.Throw<InvalidOperationException>(() => JsonText.Write(default, w =>
        {
            w.WriteStartObject();
            w.WriteString("half", "written");
            throw new InvalidOperationException("stop");
        }));

        JsonText.Write(JsonReport.Options(indented: false), w => { w.WriteStartObject(); w.WriteString("k", "<v>"); w.WriteEndObject(); })
            .ShouldBe("{\"k\":\"<v>\"}");
    }
}
