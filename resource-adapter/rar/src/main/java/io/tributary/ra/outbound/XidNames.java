package io.tributary.ra.outbound;

import javax.transaction.xa.Xid;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The transactional id of a JTA transaction branch, and back: {@code <prefix>.<formatId>.<gtrid>.<bqual>}
 * (format id in decimal, the two byte strings in hex). One Kafka transaction per branch, under an
 * id that names the branch, so that after a crash the branches still open in Kafka can be listed
 * (ListTransactions) and handed to the transaction manager's recovery as Xids, and each completed
 * as it decided. Stateless and thread-safe.
 */
final class XidNames {
    private static final HexFormat HEX = HexFormat.of();

    private XidNames() {
    }

    static String transactionalId(String prefix, Xid xid) {
        return prefix + "." + xid.getFormatId() + "." + HEX.formatHex(xid.getGlobalTransactionId()) + "."
                + HEX.formatHex(xid.getBranchQualifier());
    }

    /** The Xid a transactional id of {@code prefix} names; empty for any other id. */
    static Optional<Xid> xid(String prefix, String transactionalId) {
        if (!transactionalId.startsWith(prefix + ".")) return Optional.empty();
        String[] parts = transactionalId.substring(prefix.length() + 1).split("\\.", -1);
        if (parts.length != 3) return Optional.empty();
        try {
            return Optional.of(new BranchXid(Integer.parseInt(parts[0]), HEX.parseHex(parts[1]), HEX.parseHex(parts[2])));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** An Xid read back from a transactional id. */
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
            return o instanceof Xid x && x.getFormatId() == formatId
                    && java.util.Arrays.equals(x.getGlobalTransactionId(), gtrid)
                    && java.util.Arrays.equals(x.getBranchQualifier(), bqual);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * formatId + java.util.Arrays.hashCode(gtrid)) + java.util.Arrays.hashCode(bqual);
        }
    }
}
