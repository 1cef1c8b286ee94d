package io.tributary.ra.outbound;

import javax.transaction.xa.Xid;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * An Xid as text and back: {@code <formatId>.<gtrid>.<bqual>} (format id in decimal, the two byte
 * strings in hex). The branch log records it with the transactional id of the Kafka transaction
 * that carries the branch, so that recovery can name the branches still open in Kafka. Stateless
 * and thread-safe.
 */
final class XidNames {
    private static final HexFormat HEX = HexFormat.of();

    private XidNames() {
    }

    static String encode(Xid xid) {
        return xid.getFormatId() + "." + HEX.formatHex(xid.getGlobalTransactionId()) + "."
                + HEX.formatHex(xid.getBranchQualifier());
    }

    /** The Xid {@code text} encodes; empty when it is not one. */
    static Optional<Xid> decode(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 3) return Optional.empty();
        try {
            return Optional.of(new BranchXid(Integer.parseInt(parts[0]), HEX.parseHex(parts[1]), HEX.parseHex(parts[2])));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Any Xid as a value with equality, for maps. */
    static BranchXid key(Xid xid) {
        return xid instanceof BranchXid b ? b
                : new BranchXid(xid.getFormatId(), xid.getGlobalTransactionId(), xid.getBranchQualifier());
    }

    /** An Xid with value equality. */
    record BranchXid(int formatId, byte[] gtrid, byte[] bqual) implements Xid {
        @Override
        public int getFormatId() {
            return formatId;
        }

        @Override
        public byte[] getGlobalTransactionId() {
            return gtrid.clone();
        }

        @Override
        public byte[] getBranchQualifier() {
            return bqual.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Xid x && x.getFormatId() == formatId && Arrays.equals(x.getGlobalTransactionId(), gtrid)
                    && Arrays.equals(x.getBranchQualifier(), bqual);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * formatId + Arrays.hashCode(gtrid)) + Arrays.hashCode(bqual);
        }

        @Override
        public String toString() {
            return encode(this);
        }
    }
}
