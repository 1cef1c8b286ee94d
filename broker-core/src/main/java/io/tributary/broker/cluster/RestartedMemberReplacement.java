package io.tributary.broker.cluster;

import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.Event;
import org.jgroups.Message;
import org.jgroups.PhysicalAddress;
import org.jgroups.View;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.JoinRsp;
import org.jgroups.stack.Protocol;
import org.jgroups.util.MessageBatch;
import org.jgroups.util.Util;

import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * Keeps node ids unique in a view without turning away a node that restarts before its previous
 * incarnation has been noticed as gone. Sits below {@link GMS} on every member and acts on the
 * coordinator, where join requests arrive.
 *
 * <p>A join from node id N while the view still holds another member with node id N:
 * <ul>
 *   <li>when both have the same physical (JGroups) address, the old member is dead (only one process
 *   can hold that address, and the joiner holds it now): the coordinator suspects it, so GMS
 *   installs a view without it, and then lets the join through (GMS handles the two requests in
 *   order, so no view ever holds both);</li>
 *   <li>otherwise two live processes claim the same node id, a misconfiguration: the join is
 *   refused, and the joiner fails to start with the reason.</li>
 * </ul>
 * Stateless apart from the latest view (a volatile reference); called on JGroups' threads.
 */
public final class RestartedMemberReplacement extends Protocol {
    private static final short GMS_ID = ClassConfigurator.getProtocolId(GMS.class);
    private volatile View view;

    @Override
    public Object down(Event evt) {
        if (evt.getType() == Event.VIEW_CHANGE) view = evt.getArg();
        return down_prot.down(evt);
    }

    @Override
    public Object up(Message msg) {
        GMS.GmsHeader hdr = msg.getHeader(GMS_ID);
        if (hdr != null && !admit(hdr, msg.src())) return null;
        return up_prot.up(msg);
    }

    @Override
    public void up(MessageBatch batch) {
        for (Iterator<Message> it = batch.iterator(); it.hasNext(); ) {
            Message msg = it.next();
            GMS.GmsHeader hdr = msg.getHeader(GMS_ID);
            if (hdr != null && !admit(hdr, msg.src())) it.remove();
        }
        if (!batch.isEmpty()) up_prot.up(batch);
    }

    /** True when the GMS message may go up. */
    private boolean admit(GMS.GmsHeader hdr, Address sender) {
        if (hdr.getType() != GMS.GmsHeader.JOIN_REQ && hdr.getType() != GMS.GmsHeader.JOIN_REQ_WITH_STATE_TRANSFER) {
            return true;
        }
        Address joiner = hdr.getMember();
        Integer nodeId = ClusterChannel.nodeIdOf(joiner);
        View v = view;
        if (nodeId == null || v == null) return true;
        for (Address member : v.getMembers()) {
            if (member.equals(joiner) || !nodeId.equals(ClusterChannel.nodeIdOf(member))) continue;
            PhysicalAddress old = physicalAddressOf(member);
            PhysicalAddress now = physicalAddressOf(joiner);
            if (old != null && Objects.equals(old, now)) {
                log.warn("%s: node %d rejoins from %s as %s; removing its previous incarnation %s", local_addr, nodeId,
                        now, joiner, member);
                up_prot.up(new Event(Event.SUSPECT, List.of(member)));
                continue;
            }
            String reason = "join of " + joiner + " (" + now + ") rejected: node id " + nodeId
                    + " is already in the view as " + member + " (" + old + "); every node needs its own node.id";
            log.error("%s: %s", local_addr, reason);
            reject(sender, reason);
            return false;
        }
        return true;
    }

    private PhysicalAddress physicalAddressOf(Address member) {
        return (PhysicalAddress) down_prot.down(new Event(Event.GET_PHYSICAL_ADDRESS, member));
    }

    private void reject(Address joiner, String reason) {
        try {
            Message msg = new BytesMessage(joiner, Util.streamableToBuffer(new JoinRsp(reason)))
                    .putHeader(GMS_ID, new GMS.GmsHeader(GMS.GmsHeader.JOIN_RSP));
            down_prot.down(msg);
        } catch (Exception e) {
            log.error("%s: failed sending the join rejection to %s: %s", local_addr, joiner, e);
        }
    }
}
