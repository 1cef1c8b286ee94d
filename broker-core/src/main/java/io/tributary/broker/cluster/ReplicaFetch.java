package io.tributary.broker.cluster;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The follower-to-leader fetch exchanged over the replication fork channel: Kafka's replica fetch
 * reduced to what replication needs, with its binary form. Immutable value types.
 */
public final class ReplicaFetch {
    private ReplicaFetch() {
    }

    /** One partition a follower asks for: from its log end offset, with the epoch of its last batch. */
    public record PartitionRequest(TopicPartition tp, long fetchOffset, int lastFetchedEpoch, int currentLeaderEpoch) {
    }

    public record Request(int followerId, int maxBytes, List<PartitionRequest> partitions) {
    }

    /**
     * The leader's answer for one partition. When {@code divergingEpoch} is set (not -1) the follower's
     * log diverged from the leader's: it must truncate to {@code divergingEndOffset} and ask again.
     */
    public record PartitionResponse(TopicPartition tp, Errors error, long highWatermark, long logStartOffset,
                                    int divergingEpoch, long divergingEndOffset, byte[] records) {
        public static PartitionResponse error(TopicPartition tp, Errors error) {
            return new PartitionResponse(tp, error, -1, -1, -1, -1, new byte[0]);
        }
    }

    public record Response(List<PartitionResponse> partitions) {
        public int bytes() {
            int n = 0;
            for (PartitionResponse p : partitions) n += p.records().length;
            return n;
        }
    }

    public static byte[] encode(Request r) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 32 * r.partitions().size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(r.followerId());
            out.writeInt(r.maxBytes());
            out.writeInt(r.partitions().size());
            for (PartitionRequest p : r.partitions()) {
                out.writeUTF(p.tp().topic());
                out.writeInt(p.tp().partition());
                out.writeLong(p.fetchOffset());
                out.writeInt(p.lastFetchedEpoch());
                out.writeInt(p.currentLeaderEpoch());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Request decodeRequest(byte[] buf, int offset, int length) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(buf, offset, length));
        int follower = in.readInt();
        int maxBytes = in.readInt();
        int n = in.readInt();
        List<PartitionRequest> parts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            parts.add(new PartitionRequest(new TopicPartition(in.readUTF(), in.readInt()), in.readLong(), in.readInt(),
                    in.readInt()));
        }
        return new Request(follower, maxBytes, parts);
    }

    public static byte[] encode(Response r) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + r.bytes());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(r.partitions().size());
            for (PartitionResponse p : r.partitions()) {
                out.writeUTF(p.tp().topic());
                out.writeInt(p.tp().partition());
                out.writeShort(p.error().code());
                out.writeLong(p.highWatermark());
                out.writeLong(p.logStartOffset());
                out.writeInt(p.divergingEpoch());
                out.writeLong(p.divergingEndOffset());
                out.writeInt(p.records().length);
                out.write(p.records());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Response decodeResponse(byte[] buf) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(buf));
        int n = in.readInt();
        List<PartitionResponse> parts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            TopicPartition tp = new TopicPartition(in.readUTF(), in.readInt());
            Errors error = Errors.forCode(in.readShort());
            long hw = in.readLong();
            long start = in.readLong();
            int divEpoch = in.readInt();
            long divEnd = in.readLong();
            byte[] records = new byte[in.readInt()];
            in.readFully(records);
            parts.add(new PartitionResponse(tp, error, hw, start, divEpoch, divEnd, records));
        }
        return new Response(parts);
    }
}
