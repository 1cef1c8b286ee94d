package io.tributary.broker.cluster;

import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checks of the failover tests, over the values of every replica of a partition (read from
 * the replicas' logs, in offset order) and what a {@link FailoverWorkload} was acknowledged and
 * consumed: every acknowledged record is on every replica exactly once and in send order, all
 * replicas hold the same records, and what the consumer saw is a prefix of that log (it read
 * nothing that was later lost).
 */
final class ReplicaVerifier {
    private ReplicaVerifier() {
    }

    /**
     * Verifies partition {@code p} of the workload's topic.
     *
     * @param replicas node id to the values of that node's replica, in offset order
     */
    static void verify(FailoverWorkload load, int p, Map<Integer, List<String>> replicas) {
        TopicPartition tp = new TopicPartition(load.topic(), p);
        assertFalse(replicas.isEmpty(), "no replica of " + tp + " to verify");
        List<String> acked = load.ackedValues(p);
        List<String> ackedInSendOrder = sortedBySequence(acked);
        Set<String> ackedSet = new HashSet<>(acked);
        List<String> reference = null;
        int referenceNode = -1;
        for (Map.Entry<Integer, List<String>> e : new TreeMap<>(replicas).entrySet()) {
            int id = e.getKey();
            List<String> values = e.getValue();
            assertEquals(values.size(), new HashSet<>(values).size(), "duplicates in node " + id + "'s " + tp);
            Set<String> present = new HashSet<>(values);
            int missing = 0;
            List<String> examples = new ArrayList<>();
            for (String v : acked) {
                if (!present.contains(v)) {
                    missing++;
                    if (examples.size() < 5) examples.add(v);
                }
            }
            assertEquals(0, missing, "acknowledged records of " + tp + " missing on node " + id + " (" + missing
                    + " of " + acked.size() + ", e.g. " + examples + ")");
            List<String> ackedInLogOrder = new ArrayList<>(values);
            ackedInLogOrder.retainAll(ackedSet);
            assertEquals(ackedInSendOrder, ackedInLogOrder, "order of acknowledged records of " + tp + " on node " + id);
            if (reference == null) {
                reference = values;
                referenceNode = id;
            } else {
                assertEquals(reference, values, "node " + id + "'s " + tp + " differs from node " + referenceNode + "'s");
            }
        }
        List<String> seen = load.consumed(p);
        int i = 0;
        while (i < seen.size() && i < reference.size() && seen.get(i).equals(reference.get(i))) i++;
        if (i < seen.size()) {
            throw new AssertionError("the consumer of " + tp + " saw " + seen.size() + " records; the log holds "
                    + reference.size() + "; they differ first at position " + i + ": consumed "
                    + seen.subList(i, Math.min(seen.size(), i + 5)) + ", log "
                    + reference.subList(i, Math.min(reference.size(), i + 5)));
        }
        assertTrue(reference.size() >= acked.size());
    }

    /** Values {@code partition:sequence} sorted by sequence, i.e. in the order they were sent. */
    static List<String> sortedBySequence(List<String> values) {
        List<String> copy = new ArrayList<>(values);
        copy.sort((a, b) -> Long.compare(Long.parseLong(a.substring(a.indexOf(':') + 1)),
                Long.parseLong(b.substring(b.indexOf(':') + 1))));
        return copy;
    }
}
