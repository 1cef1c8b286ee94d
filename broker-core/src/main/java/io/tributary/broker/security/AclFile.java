package io.tributary.broker.security;

import io.tributary.broker.log.AtomicFile;
import org.apache.kafka.common.acl.AclBinding;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * The ACLs of a node running alone, kept in {@code <log.dirs>/meta/acls} so they survive a
 * restart (in a cluster they live in the replicated metadata instead). Every change rewrites the
 * whole file: written to {@code acls.tmp}, forced to disk, then renamed over the old one, so a
 * crash leaves either the old set or the new one. Format: a version byte, the {@link AclCodec}
 * bindings, a CRC32 of everything before it; a file failing its check stops the start rather than
 * silently dropping ACLs.
 *
 * <p>Also the {@link AclChanges} of a node alone: {@link #add} and {@link #remove} store the new
 * set, then put it in force in the authorizer. Thread-safe: changes are serialized on this object
 * (held across the file write, so two changes cannot interleave or reach the authorizer out of
 * order; ACL changes are rare and small).
 */
public final class AclFile implements AclChanges {
    private static final byte FORMAT = 1;

    private final File file;
    private final AclAuthorizer authorizer;
    private Set<AclBinding> acls;

    private AclFile(File file, AclAuthorizer authorizer, Set<AclBinding> acls) {
        this.file = file;
        this.authorizer = authorizer;
        this.acls = acls;
    }

    /** Reads the stored ACLs of {@code dataDir} (none if it has none yet) and puts them in force in {@code authorizer}. */
    public static AclFile load(File dataDir, AclAuthorizer authorizer) throws IOException {
        File file = new File(new File(dataDir, "meta"), "acls");
        Set<AclBinding> acls = new LinkedHashSet<>();
        if (file.exists()) {
            byte[] bytes = Files.readAllBytes(file.toPath());
            if (bytes.length < 5) throw new IOException("ACL file " + file + " is truncated (" + bytes.length + " bytes)");
            CRC32 crc = new CRC32();
            crc.update(bytes, 0, bytes.length - 4);
            int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
            if ((int) crc.getValue() != stored) throw new IOException("ACL file " + file + " fails its checksum");
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes, 0, bytes.length - 4));
            byte format = in.readByte();
            if (format != FORMAT) throw new IOException("ACL file " + file + " has unknown format " + format);
            acls.addAll(AclCodec.read(in));
        }
        authorizer.replaceAcls(acls);
        return new AclFile(file, authorizer, acls);
    }

    @Override
    public synchronized void add(Collection<AclBinding> added) {
        Set<AclBinding> next = new LinkedHashSet<>(acls);
        if (!next.addAll(added)) return;
        store(next);
    }

    @Override
    public synchronized void remove(Collection<AclBinding> removed) {
        Set<AclBinding> next = new LinkedHashSet<>(acls);
        if (!next.removeAll(removed)) return;
        store(next);
    }

    private void store(Set<AclBinding> next) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(FORMAT);
            AclCodec.write(out, next);
            out.flush();
            CRC32 crc = new CRC32();
            crc.update(bytes.toByteArray());
            out.writeInt((int) crc.getValue());
            AtomicFile.write(file, bytes.toByteArray());
        } catch (IOException e) {
            throw new org.apache.kafka.common.errors.KafkaStorageException("Cannot store the ACLs in " + file + ": " + e, e);
        }
        acls = next;
        authorizer.replaceAcls(next);
    }
}
