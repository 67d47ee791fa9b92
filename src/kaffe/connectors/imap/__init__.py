"""Mail over IMAP (Gmail with an app password, Fastmail, Outlook, Dovecot), stdlib imaplib.

``source`` reads INBOX and Sent (:class:`~kaffe.connectors.base.MailSource`),
``drafts`` appends to the Drafts folder (:class:`~kaffe.connectors.base.DraftSink`),
``conn`` holds the account, the session and its error mapping, ``folders`` finds the
SPECIAL-USE folders, ``parse`` turns FETCH answers into messages. Headers are read
by the neutral :mod:`kaffe.connectors.mailheaders`; nothing here imports Google code.
"""
