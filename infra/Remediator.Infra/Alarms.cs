using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SQS;
using Constructs;

namespace Remediator.Infra;

/// <summary>
/// Remediator watches the path a delivery takes, to a topic of its own (<see cref="Notifications.AlarmTopic"/>):
/// CloudWatch Logs could not hand a delivery to the function, the function failed or was throttled, Lambda dropped
/// an event or could not put it in the on-failure queue, a delivery is in that queue, or the findings topic could
/// not deliver to its subscribers. Every alarm counts failures, so silence means healthy: there is no "no delivery"
/// alarm, because only failing lines are forwarded and healthy APIs send nothing.
/// </summary>
public sealed class Alarms : Construct
{
    public Alarms(Construct scope, string id, IFunction function, IQueue failures, ITopic findings, ITopic alarmTopic) : base(scope, id)
    {
        var action = new SnsAction(alarmTopic);
        var five = Duration.Minutes(5);
        var sum = new MetricOptions { Period = five, Statistic = "Sum" };
        Add("FunctionErrors", "Remediator failed invocations: deliveries are being retried or sent to the on-failure queue (a publish that fails, e.g. the findings topic's key, shows here)",
            function.MetricErrors(sum));
        Add("FunctionThrottles", "Remediator is throttled: deliveries wait (raise its reserved concurrency)",
            function.MetricThrottles(sum));
        Add("FailedDeliveries", "Deliveries Remediator could not process are in the on-failure queue: replay them with remediator replay",
            failures.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Period = five, Statistic = "Maximum" }));
        // AWS/Lambda, dimension FunctionName (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html,
        // asynchronous invocation metrics): the event could not be written to the on-failure destination (lost), or
        // was dropped after the retries or the maximum event age without reaching it.
        Add("DestinationDeliveryFailures", "Lambda could not put a failed delivery in the on-failure queue: that delivery is lost (check the queue and the role's sqs:SendMessage)",
            function.Metric("DestinationDeliveryFailures", sum));
        Add("AsyncEventsDropped", "Lambda dropped deliveries to Remediator (maximum event age or retries exhausted without a destination)",
            function.Metric("AsyncEventsDropped", sum));
        // AWS/Logs DeliveryErrors and DeliveryThrottling, dimensions LogGroupName, DestinationType and FilterName
        // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CloudWatch-Logs-Monitoring-CloudWatch-Metrics.html):
        // CloudWatch Logs could not invoke the function for a subscription. One Metrics Insights query over every
        // subscription named ours (per-group filters and the account policy carry the same name), so that the alarm
        // count does not grow with the number of log groups and no DestinationType value needs guessing.
        Query("SubscriptionDeliveryErrors", "CloudWatch Logs could not deliver log events to Remediator (permission removed, function deleted or failing): those lines are not diagnosed", "DeliveryErrors");
        Query("SubscriptionDeliveryThrottling", "CloudWatch Logs was throttled delivering log events to Remediator (it retries; raise the reserved concurrency if it persists)", "DeliveryThrottling");
        // AWS/SNS NumberOfNotificationsFailed, dimension TopicName
        // (https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html).
        Add("FindingsNotDelivered", "The findings topic could not deliver to a subscriber (e-mail, chat): findings are published but not seen",
            findings.MetricNumberOfNotificationsFailed(sum));

        void Add(string name, string description, IMetric metric)
        {
            var alarm = new Alarm(this, name, new AlarmProps
            {
                AlarmDescription = description,
                Metric = metric,
                Threshold = 1,
                EvaluationPeriods = 1,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                TreatMissingData = TreatMissingData.NOT_BREACHING, // no data is no failure
            });
            alarm.AddAlarmAction(action);
        }

        void Query(string name, string description, string metricName)
        {
            new CfnAlarm(this, name, new CfnAlarmProps
            {
                AlarmDescription = description,
                Metrics = new object[]
                {
                    new CfnAlarm.MetricDataQueryProperty
                    {
                        Id = "q",
                        Expression = $"SELECT SUM({metricName}) FROM \"AWS/Logs\" WHERE FilterName = '{LogSubscriptions.FilterName}'",
                        Period = 300,
                        ReturnData = true,
                    },
                },
                Threshold = 1,
                EvaluationPeriods = 1,
                ComparisonOperator = "GreaterThanOrEqualToThreshold",
                TreatMissingData = "notBreaching",
                AlarmActions = [alarmTopic.TopicArn],
            });
        }
    }
}
