package io.tributary.broker.security;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The binary form of ACL bindings, shared by the quorum's log and snapshots and the local
 * {@link AclFile}: a count, then per binding the resource type, pattern type, operation and
 * permission as Kafka's one-byte codes and the resource name, principal and host as modified UTF-8.
 * Stateless.
 */
public final class AclCodec {
    private AclCodec() {
    }

    public static void write(DataOutput out, Collection<AclBinding> acls) throws IOException {
        out.writeInt(acls.size());
        for (AclBinding b : acls) {
            out.writeByte(b.pattern().resourceType().code());
            out.writeByte(b.pattern().patternType().code());
            out.writeUTF(b.pattern().name());
            out.writeUTF(b.entry().principal());
            out.writeUTF(b.entry().host());
            out.writeByte(b.entry().operation().code());
            out.writeByte(b.entry().permissionType().code());
        }
    }

    public static List<AclBinding> read(DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0) throw new IOException("Negative ACL count " + n);
        List<AclBinding> out = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            ResourceType type = ResourceType.fromCode(in.readByte());
            PatternType patternType = PatternType.fromCode(in.readByte());
            String name = in.readUTF();
            String principal = in.readUTF();
            String host = in.readUTF();
            AclOperation operation = AclOperation.fromCode(in.readByte());
            AclPermissionType permission = AclPermissionType.fromCode(in.readByte());
            out.add(new AclBinding(new ResourcePattern(type, name, patternType),
                    new AccessControlEntry(principal, host, operation, permission)));
        }
        return out;
    }
}
