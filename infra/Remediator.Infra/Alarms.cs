using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SQS;
using Constructs;

namespace Remediator.Infra;

/// <summary>
/// Remediator watches itself, to the same topic: function errors, throttles, deliveries kept in the on-failure
/// queue, and (when asked) no delivery for N hours, because a remediator that silently stopped receiving logs is
/// worse than none.
/// </summary>
public sealed class Alarms : Construct
{
    public Alarms(Construct scope, string id, StackConfig config, IFunction function, IQueue failures, ITopic topic) : base(scope, id)
    {
        var action = new SnsAction(topic);
        var five = Duration.Minutes(5);
        Add("FunctionErrors", "Remediator failed invocations: deliveries are being retried or sent to the on-failure queue",
            function.MetricErrors(new MetricOptions { Period = five, Statistic = "Sum" }), 1, 1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, TreatMissingData.NOT_BREACHING);
        Add("FunctionThrottles", "Remediator is throttled: deliveries wait (raise its reserved concurrency)",
            function.MetricThrottles(new MetricOptions { Period = five, Statistic = "Sum" }), 1, 1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, TreatMissingData.NOT_BREACHING);
        Add("FailedDeliveries", "Deliveries Remediator could not process are in the on-failure queue: replay them with remediator replay",
            failures.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Period = five, Statistic = "Maximum" }), 1, 1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, TreatMissingData.NOT_BREACHING);
        if (config.NoDeliveryAlarmHours is { } hours)
        {
            // No invocation at all for N hours: a subscription removed, execution logging turned off, or no traffic.
            Add("NoDelivery", $"Remediator received no delivery for {hours} hour(s): check the subscription filters and the API's logging",
                function.MetricInvocations(new MetricOptions { Period = Duration.Hours(1), Statistic = "Sum" }), 1, hours, ComparisonOperator.LESS_THAN_THRESHOLD, TreatMissingData.BREACHING);
        }

        void Add(string name, string description, IMetric metric, double threshold, int periods, ComparisonOperator comparison, TreatMissingData missing)
        {
            var alarm = new Alarm(this, name, new AlarmProps
            {
                AlarmDescription = description,
                Metric = metric,
                Threshold = threshold,
                EvaluationPeriods = periods,
                ComparisonOperator = comparison,
                TreatMissingData = missing,
            });
            alarm.AddAlarmAction(action);
        }
    }
}
