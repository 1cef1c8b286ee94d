package io.tributary.broker.cluster;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
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
 * ACLs in the metadata quorum: the commands survive the log's binary form, every node's state
 * machine applies them the same way (adding twice or removing what is absent changes nothing),
 * and snapshots carry them, while a snapshot of the format before ACLs is still read.
 */
class MetadataCodecAclTest {
    private static final AclBinding A = new AclBinding(new ResourcePattern(ResourceType.TOPIC, "orders", PatternType.LITERAL),
            new AccessControlEntry("User:alice", "*", AclOperation.WRITE, AclPermissionType.ALLOW));
    private static final AclBinding B = new AclBinding(new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL),
            new AccessControlEntry("User:bob", "10.1.2.3", AclOperation.ALTER, AclPermissionType.DENY));

    private static MetadataCommand roundTrip(MetadataCommand c) throws Exception {
        byte[] bytes = MetadataCodec.encode(c);
        return MetadataCodec.decode(bytes, 0, bytes.length);
    }

    @Test
    void aclCommandsAreAppliedByTheStateMachineAndCarriedBySnapshots() throws Exception {
        assertEquals(new MetadataCommand.CreateAcls(List.of(A, B)), roundTrip(new MetadataCommand.CreateAcls(List.of(A, B))));
        assertEquals(new MetadataCommand.DeleteAcls(List.of(B)), roundTrip(new MetadataCommand.DeleteAcls(List.of(B))));

        MetadataStateMachine sm = new MetadataStateMachine(image -> { });
        for (MetadataCommand c : List.of(new MetadataCommand.CreateAcls(List.of(A, B)), new MetadataCommand.CreateAcls(List.of(A)),
                new MetadataCommand.DeleteAcls(List.of(B)), new MetadataCommand.DeleteAcls(List.of(B)))) {
            byte[] bytes = MetadataCodec.encode(c);
            sm.apply(bytes, 0, bytes.length, false);
        }
        assertEquals(Set.of(A), sm.image().acls());
        assertEquals(2, sm.image().version(), "only the first creation and the first removal changed the image");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MetadataCodec.writeImage(new DataOutputStream(out), sm.image());
        ClusterImage read = MetadataCodec.readImage(new DataInputStream(new ByteArrayInputStream(out.toByteArray())));
        assertEquals(sm.image(), read);
    }

    @Test
    void aSnapshotWrittenBeforeAclsExistedIsStillRead() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(2);  // format 2: brokers, brokers shutting down, topics
        out.writeLong(7);
        out.writeInt(1);
        out.writeInt(1);
        out.writeUTF("127.0.0.1");
        out.writeInt(9092);
        out.writeInt(0);
        out.writeInt(0);
        ClusterImage image = MetadataCodec.readImage(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertEquals(new ClusterImage(7, Map.of(1, new BrokerRegistration(1, "127.0.0.1", 9092)), Set.of(), Map.of()), image);
        assertEquals(Set.of(), image.acls());
    }
}
