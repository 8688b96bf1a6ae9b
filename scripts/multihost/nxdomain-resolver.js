#!/usr/bin/env node
// node scripts/multihost/nxdomain-resolver.js ADDR: a DNS server on ADDR:53 (UDP) that answers every
// question "no such name" at once. Each simulated host's dockerd names it as its containers'
// upstream resolver (setup.sh), because a host namespace reaches no resolver at all: Docker's
// embedded DNS would otherwise wait 10-20 s for a timeout on every name it does not know (a
// server's peer before that peer's task exists), and each such wait stalls a start script.
// Service names on an overlay never get here: the embedded DNS answers those itself.
"use strict";
const dgram = require("node:dgram");

const address = process.argv[2];
if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(address ?? "")) {
    console.error(`nxdomain-resolver: the address '${address ?? ""}' is not an IPv4 address`);
    process.exit(64);
}

const HEADER_BYTES = 12;
const RCODE_NXDOMAIN = 3;

/** The reply to one query: its id and question, QR and RA set, RD kept, no answer, NXDOMAIN. */
function nxdomainReply(query) {
    if (query.length < HEADER_BYTES || (query[2] & 0x80) !== 0) return undefined;
    const questions = query.readUInt16BE(4);
    // The question section runs to the end of a plain query (no answers, authorities or EDNS records kept).
    let end = HEADER_BYTES;
    for (let q = 0; q < questions; q++) {
        while (end < query.length && query[end] !== 0) end += 1 + query[end];
        end += 1 + 4;
    }
    if (end > query.length) return undefined;
    const reply = Buffer.from(query.subarray(0, end));
    reply[2] = 0x80 | (query[2] & 0x79); // QR, the opcode and RD of the query
    reply[3] = 0x80 | RCODE_NXDOMAIN; // RA
    reply.writeUInt16BE(0, 6);
    reply.writeUInt16BE(0, 8);
    reply.writeUInt16BE(0, 10);
    return reply;
}

const socket = dgram.createSocket("udp4");
socket.on("message", (query, peer) => {
    const reply = nxdomainReply(query);
    if (reply) socket.send(reply, peer.port, peer.address);
});
socket.on("error", (error) => {
    console.error(`nxdomain-resolver: ${error.message}`);
    process.exit(1);
});
socket.bind(53, address, () => console.error(`nxdomain-resolver: answering on ${address}:53`));
