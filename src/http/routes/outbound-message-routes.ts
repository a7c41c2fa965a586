import type { FastifyInstance, FastifyReply } from 'fastify';
import { Parser } from 'htmlparser2';
import type { HttpDependencies } from '../app.ts';
import { checkRecord } from '../record-validation.ts';

/**
 * Salesforce Outbound Messages (SOAP). Each `<Notification>` carries one sObject; its fields
 * (without the `sf:` prefix) become a record, `Id` as `SF_Catalog_Id` unless the object has an
 * `SF_Catalog_Id__c`. Authenticated by the organisation id allowlist, as Salesforce sends no
 * key; answered with the `Ack` Salesforce expects, or a SOAP fault so Salesforce retries.
 */

export interface OutboundMessage {
  readonly organizationId: string;
  readonly notifications: readonly { id: string; fields: Record<string, string> }[];
}

export function parseOutboundMessage(xml: string): OutboundMessage {
  let organizationId = '';
  const notifications: { id: string; fields: Record<string, string> }[] = [];
  const path: string[] = [];
  let text = '';
  let current: { id: string; fields: Record<string, string> } | null = null;
  let inSObject = false;
  const local = (name: string) => name.slice(name.indexOf(':') + 1);
  const parser = new Parser(
    {
      onopentag(name) {
        const tag = local(name);
        path.push(tag);
        text = '';
        if (tag === 'Notification') current = { id: '', fields: {} };
        if (tag === 'sObject') inSObject = true;
      },
      ontext(chunk) {
        text += chunk;
      },
      onclosetag(name) {
        const tag = local(name);
        path.pop();
        const value = text.trim();
        if (tag === 'OrganizationId') organizationId = value;
        else if (tag === 'sObject') inSObject = false;
        else if (tag === 'Notification' && current) {
          notifications.push(current);
          current = null;
        } else if (current && inSObject && path[path.length - 1] === 'sObject') current.fields[tag] = value;
        else if (current && tag === 'Id' && path[path.length - 1] === 'Notification') current.id = value;
        text = '';
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(xml);
  parser.end();
  return { organizationId, notifications };
}

const SOAP_ACK = (ack: boolean) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n <soapenv:Body>\n  <notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">\n   <Ack>${ack}</Ack>\n  </notificationsResponse>\n </soapenv:Body>\n</soapenv:Envelope>\n`;

const soapFault = (reply: FastifyReply, status: number, message: string) =>
  reply
    .code(status)
    .type('text/xml')
    .send(
      `<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>${message.replace(/[<&>]/g, '')}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>\n`,
    );

export function outboundMessageRoutes(deps: HttpDependencies) {
  return async (app: FastifyInstance) => {
    app.post(
      '/api/salesforce/outbound-message',
      { schema: { summary: 'Salesforce Outbound Message (SOAP) intake', hide: false } },
      async (request, reply) => {
        const xml = typeof request.body === 'string' ? request.body : '';
        if (xml === '') return soapFault(reply, 400, 'expected a SOAP envelope with Content-Type text/xml');
        const message = parseOutboundMessage(xml);
        const allowed = deps.config.SF_OUTBOUND_ORG_IDS.map((id) => id.slice(0, 15).toLowerCase());
        if (!allowed.includes(message.organizationId.slice(0, 15).toLowerCase())) {
          return soapFault(reply, 403, 'organization is not allowed to send outbound messages');
        }
        for (const notification of message.notifications) {
          const fields = notification.fields;
          const record: Record<string, unknown> = { ...fields };
          record.SF_Catalog_Id = fields.SF_Catalog_Id__c ?? fields.Id ?? notification.id;
          record.SF_Catalog_Name = fields.SF_Catalog_Name__c ?? fields.Name;
          delete record.Id;
          delete record.SF_Catalog_Id__c;
          delete record.SF_Catalog_Name__c;
          const check = checkRecord(record);
          if (!check.ok) return soapFault(reply, 400, check.message);
          await deps.intake.accept(JSON.stringify(check.record), check.record);
        }
        return reply.type('text/xml').send(SOAP_ACK(true));
      },
    );
  };
}
