"""The steps a draft goes through, one module each, each idempotent and keyed by the id it works on.

accept → process(inbound_id) → sign(minutes_id) → distribute(minutes_id) → settle(minutes_id);
a delivery status notification goes bounce(inbound_id) → settle; receipts, rejections and reports go
through send_mail(mail_id); sweep asks every step for its unfinished work and hands it on again.
Each step gets its adapters in a :class:`service.steps.context.StepContext` and never imports bootstrap.
"""
