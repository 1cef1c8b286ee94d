package io.tributary.broker.cluster;

import io.tributary.broker.quota.ClientQuotaChange;
import io.tributary.broker.quota.ClientQuotaConfigs;
import io.tributary.broker.quota.QuotaEntity;
import io.tributary.broker.quota.QuotaType;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Client quotas in the metadata: a ChangeClientQuotas command (entities named, default and absent;
 * sets and removals) and an image's quotas read back as written, and applying the command to an
 * image is what every node of a cluster does.
 */
class MetadataCodecQuotaTest {
    private static final List<ClientQuotaChange> CHANGES = List.of(
            new ClientQuotaChange(QuotaEntity.userAndClient("alice", "app"), QuotaType.PRODUCE, 1024.0),
            new ClientQuotaChange(QuotaEntity.userAndClient(null, null), QuotaType.REQUEST, 12.5),
            new ClientQuotaChange(QuotaEntity.client(null), QuotaType.FETCH, 2048.0),
            new ClientQuotaChange(QuotaEntity.user("bob"), QuotaType.CONTROLLER_MUTATION, 3.0),
            new ClientQuotaChange(QuotaEntity.user("bob"), QuotaType.PRODUCE, null));

    @Test
    void aQuotaCommandAndAnImageWithQuotasReadBackAsWritten() throws Exception {
        MetadataCommand command = new MetadataCommand.ChangeClientQuotas(CHANGES);
        byte[] bytes = MetadataCodec.encode(command);
        assertEquals(command, MetadataCodec.decode(bytes, 0, bytes.length));

        ClusterImage image = new ClusterImage(3, Map.of(), Set.of(), Map.of(), Map.of(), Set.of(),
                ClientQuotaConfigs.EMPTY.applied(CHANGES), Map.of("", Map.of("log.retention.ms", "60000"), "2", Map.of("num.io.threads", "4")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MetadataCodec.writeImage(new DataOutputStream(out), image);
        ClusterImage read = MetadataCodec.readImage(new DataInputStream(new ByteArrayInputStream(out.toByteArray())));
        assertEquals(image, read);
        assertEquals(4, read.clientQuotas().entities().size());
    }

    @Test
    void everyNodeApplyingTheCommandReachesTheSameQuotas() throws Exception {
        MetadataStateMachine machine = new MetadataStateMachine(image -> { });
        byte[] bytes = MetadataCodec.encode(new MetadataCommand.ChangeClientQuotas(CHANGES));
        machine.apply(bytes, 0, bytes.length, false);
        assertEquals(1024.0, machine.image().clientQuotas().resolve(QuotaType.PRODUCE, "alice", "app").limit());
        assertEquals(2048.0, machine.image().clientQuotas().resolve(QuotaType.FETCH, "carol", "x").limit());
    }
}
