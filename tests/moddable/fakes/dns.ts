// Fake of the SDK's `dns` (modules/network/dns/dns.js): the same constants.
const DNS = Object.freeze({
  RR: Object.freeze({ A: 1, PTR: 12, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, NSEC: 47, ANY: 255 }),
  OPCODE: Object.freeze({ QUERY: 0, UPDATE: 5 }),
  CLASS: Object.freeze({ IN: 1, NONE: 254, ANY: 255 }),
  SECTION: Object.freeze({ QUESTION: 0, ANSWER: 1, AUTHORITATIVE: 2, ADDITIONAL: 3, ZONE: 0, PREREQUISITE: 1, UPDATE: 2 }),
});
export default DNS;
