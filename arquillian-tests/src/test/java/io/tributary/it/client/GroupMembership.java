package io.tributary.it.client;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A consumer group as Kafka's {@code Admin.describeConsumerGroups} reports it, reduced to JDK types
 * so that in-container test code never needs the Kafka client.
 *
 * @param state   the group's state ({@code STABLE}, {@code PREPARING_REBALANCE} …)
 * @param members each member as {@code <member id> -> [topic-partition, …]}, its assignment sorted
 */
public record GroupMembership(String state, Map<String, List<String>> members) {

    public static GroupMembership describe(String bootstrap, String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                    .get(30, TimeUnit.SECONDS);
            Map<String, List<String>> members = new java.util.TreeMap<>();
            for (MemberDescription m : d.members()) {
                List<String> assigned = new ArrayList<>();
                for (TopicPartition tp : m.assignment().topicPartitions()) assigned.add(tp.toString());
                assigned.sort(null);
                members.put(m.consumerId(), List.copyOf(assigned));
            }
            return new GroupMembership(d.groupState().name(), members);
        }
    }
}
