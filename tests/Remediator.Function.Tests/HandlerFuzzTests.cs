using System.Text;
using Remediator.Core.Ingest;
using Remediator.Core.Notify;
using Remediator.Function.Notify;
using Remediator.Function.Observability;
using Remediator.Function.Pipeline;
using Remediator.Function.Tests.Support;

namespace Remediator.Function.Tests;

/// <summary>
/// The handler under mutated deliveries (fixed seed; FUZZ_ITERATIONS / 4 inputs): it either returns or fails with the
/// documented "undecodable delivery"; no other exception type, no finding dropped for a decodable delivery.
/// </summary>
public class HandlerFuzzTests
{
    private sealed class Collecting : IMessagePublisher
    {
        public List<OutgoingMessage> Messages { get; } = [];

        public Task<string> PublishAsync(OutgoingMessage message, DateTimeOffset deadline, CancellationToken ct)
        {
            Messages.Add(message);
            return Task.FromResult(message.FindingId);
        }
    }

    [Fact]
    public async Task Handle_MutatedDeliveries_ReturnOrFailAsUndecodableOnly()
    {
        var iterations = Math.Max(200, (int.TryParse(Environment.GetEnvironmentVariable("FUZZ_ITERATIONS"), out var n) ? n : 2_000) / 4);
        var r = new Random(20261127);
        var publisher = new Collecting();
        var options = FunctionOptions.Load(name => name == "REMEDIATOR_TOPIC_ARN" ? TestEnvironment.TopicArn : name == "REMEDIATOR_REPAIR_MODE" ? "off" : name == "REMEDIATOR_COOLDOWN_MINUTES" ? "0" : null);
        var handler = new Handler(new DeliveryPipeline(options, publisher, TimeProvider.System, new JsonLog(TextWriter.Null, LogLevel.Info, TimeProvider.System)));
        var fixtures = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "fixtures", "causes"), "*__execution.log").Select(f => Path.GetRelativePath(Path.Combine(AppContext.BaseDirectory, "fixtures"), f)).ToArray();
        int returned = 0, refused = 0;
        for (var i = 0; i < iterations; i++)
        {
            var delivery = TestEnvironment.Deployed(fixtures[r.Next(fixtures.Length)]); // what the deployed filter passes, then mutated
            var mutated = r.Next(4) switch
            {
                0 => delivery,
                1 => delivery[..r.Next(delivery.Length)],
                2 => Flip(delivery, r),
                _ => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(delivery).Insert(r.Next(delivery.Length), "\u0000{[\"")),
            };
            try
            {
                await using var _ = await handler.Handle(new MemoryStream(mutated));
                returned++;
            }
            catch (UndecodableDeliveryException)
            {
                refused++;
            }
        }
        (returned + refused).ShouldBe(iterations);
        returned.ShouldBeGreaterThan(iterations / 5); // the untouched deliveries at least
        publisher.Messages.ShouldNotBeEmpty();
    }

    private static byte[] Flip(byte[] data, Random r)
    {
        var copy = (byte[])data.Clone();
        copy[r.Next(copy.Length)] ^= (byte)(1 << r.Next(8));
        return copy;
    }
}
