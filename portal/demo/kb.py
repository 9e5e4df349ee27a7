# ruff: noqa: E501  (demo texts and translations read better unwrapped)
"""Demo knowledge base of «Прогресс»: shared folders, about twenty articles in every state,
versions, readers, feedback and must-read confirmations (a step of `portal demo`, which runs in
the configured application: article texts are rendered as they are set, their search documents
written on flush)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models.kb import (
    Article,
    ArticleFeedback,
    ArticleRead,
    ArticleRelation,
    ArticleTag,
    ArticleVersion,
    KbFolder,
)
from models.meta import utcnow
from models.roles import LocalRoleGrant, Role
from models.workflow import WorkflowHistory

# key: (title, slug, parent key, description, restricted)
FOLDERS = {
    "support": ("Служба поддержки", "support", None,
                "Ответы на частые вопросы клиентов, регламенты и инструкции по оборудованию.", False),
    "faq": ("Частые вопросы клиентов", "faq", "support", "Готовые ответы для писем и звонков.", False),
    "equipment": ("Оборудование и сервис", "equipment", "support",
                  "Установка, настройка и типовые неисправности.", False),
    "it": ("ИТ и рабочее место", "it", None, "Доступы, почта, VPN, принтеры и телефония.", False),
    "office": ("Офис и кадры", "office", None, "Правила, отпуска, командировки, пропуска.", False),
    "sales": ("Продажи", "sales", None, "Скидки, договоры, работа с ключевыми клиентами.", False),
    "management": ("Руководство", "management", None,
                   "Стратегия, бюджеты и решения совета директоров. Только для руководства.", True),
}

# folder key → [(role, department key or "@login")]
SHARING = {
    "support": [("editor", "support"), ("reviewer", "support")],
    "office": [("editor", "secretariat"), ("reviewer", "@belova"), ("reviewer", "@vinogradova")],
    "sales": [("editor", "sales"), ("reviewer", "@sokolov")],
    "it": [("editor", "@admin"), ("reviewer", "@admin")],
    "management": [("reader", "management"), ("editor", "@kuznetsova"), ("reviewer", "@director")],
}

VPN = """Удалённый доступ к офисной сети нужен, чтобы работать с 1С, общими папками и CRM из дома или из командировки.

## Что понадобится

- ноутбук с Windows 10/11 или macOS;
- логин и пароль от портала;
- код из приложения-аутентификатора на телефоне.

## Установка клиента

1. Скачайте клиент с внутреннего сайта `soft.progress.example` (раздел «Сеть»).
2. Запустите установку и согласитесь со всеми пунктами.
3. В поле **Сервер** укажите `vpn.progress.example`.

## Подключение

1. Откройте клиент и введите логин и пароль от портала.
2. Подтвердите вход кодом из приложения.
3. Зелёный значок в трее означает, что подключение установлено.

> Если подключение обрывается каждые несколько минут, отключите экономию энергии для сетевого адаптера.

## Частые ошибки

| Сообщение | Что делать |
|---|---|
| «Неверный логин или пароль» | Проверьте раскладку; пароль тот же, что на портале |
| «Истёк срок сертификата» | Переустановите клиент последней версии |
| «Сервер недоступен» | Проверьте интернет; если он есть — напишите в ИТ |
"""

PRINTER = """## Принтер не печатает

1. Проверьте, что принтер включён и на дисплее нет ошибки.
2. Откройте **Пуск → Параметры → Принтеры** и убедитесь, что выбран принтер вашего этажа (`PRN-2-ОФИС`).
3. Очистите очередь печати: правой кнопкой по принтеру → «Просмотр очереди» → «Отменить все документы».
4. Выключите и включите принтер.

## Замятие бумаги

Откройте переднюю крышку и аккуратно потяните лист **по ходу** движения бумаги. Не используйте ножницы и скрепки.

## Заканчивается картридж

Картриджи хранятся у офис-менеджера. Сообщите ей модель принтера — она указана на наклейке сбоку.
"""

MAIL = """Рабочая почта работает в браузере и в Outlook.

## В браузере

Адрес: `https://mail.progress.example`. Логин — ваш логин на портале.

## На телефоне

- **Android**: приложение Gmail или Outlook → «Добавить аккаунт» → Exchange.
- **iPhone**: Настройки → Почта → Учётные записи → Exchange.

Сервер: `mail.progress.example`, домен оставьте пустым.

> Не пересылайте рабочую почту на личный ящик: это запрещено политикой безопасности.
"""

PASSWORD = """Пароль от портала нужно менять раз в 90 дней. За неделю до срока придёт уведомление.

## Требования к паролю

- не короче 10 символов;
- буквы и цифры;
- не совпадает с тремя предыдущими.

## Если забыли пароль

Позвоните в ИТ по внутреннему номеру **1100** или напишите руководителю — он оформит заявку. Пароль по почте и в мессенджерах не сообщается.
"""

RESPONSE_RULES = """Регламент определяет сроки и форму ответа на обращения клиентов.

## Сроки первого ответа

| Приоритет | Пример | Первый ответ |
|---|---|---|
| Критический | Остановилось производство клиента | 30 минут |
| Высокий | Оборудование работает с ошибками | 2 часа |
| Обычный | Вопрос по настройке | 8 рабочих часов |
| Низкий | Пожелание, консультация | 2 рабочих дня |

## Как отвечать

1. Поздоровайтесь и назовите себя.
2. Перескажите проблему своими словами — клиент должен видеть, что его поняли.
3. Дайте решение или следующий шаг **со сроком**.
4. Если нужна статья базы знаний — приложите ссылку, а не пересказывайте её.

## Чего не делать

- не обещать сроков ремонта без согласования с диспетчером;
- не сообщать цены запчастей — это делает отдел продаж;
- не закрывать обращение, пока клиент не подтвердил решение (или 3 дня без ответа).
"""

WARRANTY = """Клиенты часто спрашивают, что входит в гарантию на оборудование.

## Что входит

- заводские дефекты узлов и электроники;
- выезд инженера в пределах МКАД и 30 км от МКАД;
- замена неисправных узлов на новые или восстановленные.

## Что не входит

- повреждения из-за скачков напряжения без стабилизатора;
- расходные материалы (фильтры, ремни, уплотнители);
- механические повреждения и следы вскрытия посторонними.

## Готовый ответ клиенту

> Гарантия на оборудование — 24 месяца с даты ввода в эксплуатацию. Она покрывает заводские дефекты и выезд инженера. Пришлите, пожалуйста, серийный номер и фото шильдика — мы проверим срок гарантии и запланируем визит.
"""

INSTALL = """## Перед выездом

1. Уточните у клиента адрес, контактное лицо и время доступа на объект.
2. Проверьте комплектность по накладной.
3. Возьмите стабилизатор, если клиент его заказывал.

## На объекте

1. Проверьте напряжение в сети: **220 В ± 10 %**.
2. Установите оборудование по уровню, зазор до стены — не меньше 15 см.
3. Подключите и выполните тестовый цикл.
4. Заполните акт ввода в эксплуатацию и сфотографируйте шильдик.

## После выезда

Приложите акт и фото к заявке в течение дня — от этого зависит начало гарантии.
"""

ERRORS = """Коды ошибок на дисплее и что они значат.

| Код | Значение | Что сделать |
|---|---|---|
| E01 | Нет питания на плате | Проверить предохранитель F1 |
| E02 | Перегрев | Очистить радиатор, проверить вентилятор |
| E07 | Нет связи с датчиком | Проверить шлейф датчика |
| E12 | Низкое давление | Проверить подачу воды и фильтр |
| E21 | Ошибка памяти | Сброс к заводским настройкам |

> Если ошибка повторяется после сброса — оформите выезд инженера.
"""

REFUND = """## Когда клиент просит вернуть деньги

Возврат возможен, если оборудование не было введено в эксплуатацию и сохранена упаковка.

1. Попросите клиента прислать письмо на бланке организации с причиной возврата.
2. Передайте письмо в отдел продаж менеджеру клиента.
3. Сообщите клиенту срок: решение — 5 рабочих дней, перевод денег — до 10 дней после решения.

Частичный возврат за услуги согласует руководитель отдела продаж.
"""

VACATION = """## Как оформить отпуск

1. Согласуйте даты с руководителем.
2. Подайте заявление в секретариат **не позднее чем за 2 недели** до начала отпуска.
3. Передайте дела коллеге и поставьте автоответ в почте.

## График отпусков

График на следующий год составляется в декабре. Изменить даты можно по заявлению, согласованному с руководителем.

## Отпускные

Отпускные перечисляются за 3 дня до начала отпуска. Расчёт можно запросить в бухгалтерии.
"""

TRIP = """## Командировка: по шагам

1. Служебная записка руководителю с целью поездки и датами.
2. Билеты и гостиницу заказывает офис-менеджер — сообщите пожелания заранее.
3. Суточные: **700 ₽** в день по России, перечисляются до поездки.
4. После возвращения в течение 3 рабочих дней сдайте авансовый отчёт с чеками и посадочными талонами.

> Потерянный посадочный талон можно восстановить на сайте перевозчика — сделайте это сразу.
"""

RULES = """Правила действуют для всех сотрудников компании «Прогресс».

## Рабочее время

- рабочий день — с 9:00 до 18:00, обед — с 13:00 до 14:00;
- о задержке или отсутствии сообщите руководителю до 9:30;
- гибкий график согласуется с руководителем письменно.

## Офис

- пропуск носите с собой и не передавайте другим;
- гостей встречайте у ресепшен и сопровождайте;
- последний уходящий выключает свет и кондиционер.

## Информационная безопасность

- блокируйте компьютер, когда отходите (**Win + L**);
- не открывайте вложения из неизвестных писем;
- о подозрительных письмах сообщайте в ИТ.
"""

PASS = """## Пропуск для сотрудника

Постоянный пропуск выдаёт секретариат в первый рабочий день. При утере сообщите в секретариат — старый пропуск заблокируют, новый выдадут за 1 день.

## Пропуск для гостя

Закажите пропуск на портале или у секретаря **до 16:00 предыдущего дня**: ФИО гостя, компания, время визита.
"""

DISCOUNTS = """## Уровни скидок

| Объём заказа за год | Скидка | Кто согласует |
|---|---|---|
| до 1 млн ₽ | до 3 % | менеджер |
| 1–5 млн ₽ | до 7 % | руководитель отдела |
| свыше 5 млн ₽ | индивидуально | директор |

## Правила

- скидка указывается в спецификации к договору;
- скидки не суммируются с акциями;
- отсрочка платежа больше 30 дней — только по согласованию с бухгалтерией.
"""

CONTRACT = """## Типовой договор поставки

Используйте шаблон из папки «Договоры» на общем диске. Изменения в тексте договора согласуются с юристом.

## Что проверить перед подписанием

1. Реквизиты клиента совпадают с выпиской ЕГРЮЛ.
2. ИНН и КПП указаны верно.
3. Подписант имеет полномочия (устав или доверенность).
4. Спецификация подписана с обеих сторон.
"""

KEY_CLIENTS = """Ключевые клиенты — те, чей годовой оборот с нами превышает 5 млн ₽.

## Что мы для них делаем

- персональный менеджер и замена на время отпуска;
- ежеквартальная встреча с подведением итогов;
- приоритет «высокий» по всем обращениям в поддержку.

## Отчётность

Раз в квартал менеджер готовит отчёт: объём закупок, открытые вопросы, планы клиента.
"""

STRATEGY = """## Стратегия на следующий год

1. Рост выручки на **18 %** за счёт сервисных контрактов.
2. Открытие филиала в Казани во втором квартале.
3. Перевод всех клиентов на портал самообслуживания.

## Бюджет

Бюджет на маркетинг увеличивается на 10 %, на ИТ — на 25 % (внедрение портала и телефонии).
"""

BOARD = """## Решения совета директоров

- утвердить бюджет на следующий год;
- назначить ответственным за открытие филиала Кузнецову О. П.;
- пересмотреть систему мотивации отдела продаж к 1 марта.
"""

PHONE = """## Внутренняя телефония

- внутренние номера — четырёхзначные, справочник — в разделе «Люди»;
- переадресация: `*21*номер#`, отмена: `#21#`;
- конференция: во время разговора нажмите «Конф.» и наберите третий номер.

Проблемы с телефоном — в ИТ, номер **1100**.
"""

NEW_EMPLOYEE = """## Первый день в компании

1. Получите пропуск в секретариате.
2. ИТ выдаст ноутбук и логин на портал.
3. Прочитайте **Правила внутреннего распорядка** и подтвердите прочтение.
4. Руководитель познакомит вас с командой и наставником.
"""

REMOTE_SUPPORT = """## Удалённое подключение к компьютеру клиента

Черновик: опишу, как подключаться через программу удалённого доступа, какие права запрашивать у клиента и как закрывать сессию.
"""

OLD_PRICE = """Прайс-лист 2023 года. Используйте актуальный прайс из раздела «Продажи».
"""

# key, folder, title, slug, summary, body, tags, state, author, extra
ARTICLES = [
    ("vpn", "it", "Как подключиться к VPN из дома", "vpn",
     "Удалённый доступ к 1С, общим папкам и CRM: установка клиента, вход и частые ошибки.",
     VPN, ["vpn", "удалённая работа", "сеть"], "published", "admin", {}),
    ("printer", "it", "Принтер не печатает: что проверить", "printer",
     "Очередь печати, замятие бумаги и картриджи — всё, что можно решить без ИТ.",
     PRINTER, ["принтер", "оргтехника"], "published", "admin", {}),
    ("mail", "it", "Рабочая почта на телефоне и в браузере", "mail",
     "Как открыть почту в браузере и настроить её на Android и iPhone.",
     MAIL, ["почта", "телефон"], "published", "admin", {}),
    ("password", "it", "Смена пароля и что делать, если забыли", "password",
     "Требования к паролю и порядок восстановления доступа.",
     PASSWORD, ["пароль", "безопасность"], "published", "admin", {}),
    ("phone", "it", "Внутренняя телефония: переадресация и конференции", "phone",
     "Короткие команды телефона и куда звонить при проблемах.",
     PHONE, ["телефония"], "published", "admin", {}),
    ("rules", "office", "Правила внутреннего трудового распорядка", "rules",
     "Рабочее время, правила офиса и информационная безопасность: обязательно для всех.",
     RULES, ["правила", "офис", "безопасность"], "published", "belova", {"must_read": "everyone"}),
    ("vacation", "office", "Как оформить отпуск", "vacation",
     "Сроки заявления, график отпусков и когда приходят отпускные.",
     VACATION, ["отпуск", "кадры"], "published", "tarasova", {}),
    ("trip", "office", "Командировки: оформление и авансовый отчёт", "business-trip",
     "Служебная записка, билеты, суточные и отчёт после поездки.",
     TRIP, ["командировка", "кадры"], "published", "belova", {}),
    ("pass", "office", "Пропуска для сотрудников и гостей", "passes",
     "Как получить пропуск и заказать его для гостя.",
     PASS, ["офис", "пропуск"], "published", "tarasova", {}),
    ("newcomer", "office", "Первый день в компании", "first-day",
     "Пропуск, ноутбук, правила и знакомство с командой.",
     NEW_EMPLOYEE, ["новичкам", "кадры"], "pending", "tarasova", {}),
    ("response", "support", "Регламент ответа на обращения клиентов", "response-rules",
     "Сроки первого ответа по приоритетам, как отвечать и чего не делать.",
     RESPONSE_RULES, ["регламент", "обращения", "sla"], "published", "fedorova",
     {"must_read": "support"}),
    ("warranty", "faq", "Что входит в гарантию на оборудование", "warranty",
     "Что покрывает гарантия, что нет, и готовый ответ клиенту.",
     WARRANTY, ["гарантия", "ответы клиентам"], "published", "mikhailov", {}),
    ("refund", "faq", "Клиент просит вернуть деньги", "refund",
     "Когда возможен возврат, какие документы нужны и сроки.",
     REFUND, ["возврат", "ответы клиентам"], "published", "alekseeva", {}),
    ("install", "equipment", "Установка оборудования у клиента", "installation",
     "Чек-лист выезда: до, во время и после установки.",
     INSTALL, ["установка", "выезд", "чек-лист"], "published", "pavlov", {}),
    ("errors", "equipment", "Коды ошибок на дисплее", "error-codes",
     "Таблица кодов E01–E21 и что делать при каждом.",
     ERRORS, ["ошибки", "диагностика"], "published", "nikitin", {}),
    ("remote", "support", "Удалённое подключение к компьютеру клиента", "remote-access",
     "Как подключаться к клиенту и закрывать сессию.",
     REMOTE_SUPPORT, ["удалённая работа"], "draft", "mikhailov", {}),
    ("discounts", "sales", "Скидки: уровни и согласование", "discounts",
     "Кто и какую скидку согласует в зависимости от объёма заказа.",
     DISCOUNTS, ["скидки", "согласование"], "published", "sokolov", {"must_read": "sales"}),
    ("contract", "sales", "Договор поставки: проверка перед подписанием", "contract",
     "Шаблон договора и четыре проверки, которые нельзя пропустить.",
     CONTRACT, ["договор"], "published", "novikova", {}),
    ("key", "sales", "Работа с ключевыми клиентами", "key-clients",
     "Кто такие ключевые клиенты и что мы для них делаем.",
     KEY_CLIENTS, ["ключевые клиенты"], "pending", "novikova", {}),
    ("oldprice", "sales", "Прайс-лист 2023", "price-2023",
     "Устаревший прайс-лист.", OLD_PRICE, ["прайс"], "archived", "popova", {}),
    ("strategy", "management", "Стратегия компании на следующий год", "strategy",
     "Цели по выручке, филиал в Казани, портал самообслуживания, бюджет.",
     STRATEGY, ["стратегия", "бюджет"], "published", "kuznetsova", {}),
    ("board", "management", "Решения совета директоров", "board-decisions",
     "Итоги последнего заседания.", BOARD, ["совет директоров"], "published", "director", {}),
]

RELATED = [("vpn", "password"), ("vpn", "mail"), ("warranty", "install"), ("install", "errors"),
           ("vacation", "trip"), ("rules", "pass"), ("discounts", "contract"), ("response", "warranty")]

# Earlier texts of a few articles: (key, [(days ago, author, comment, change)]).
HISTORY = {
    "vpn": [(40, "admin", "", lambda b: b.replace("vpn.progress.example", "vpn-old.progress.example")
             .replace("\n## Частые ошибки", "\n## Ошибки").split("\n| Сообщение")[0]),
            (12, "admin", "Новый адрес сервера", None)],
    "response": [(60, "fedorova", "", lambda b: b.replace("30 минут", "1 час").replace("2 часа", "4 часа")),
                 (20, "fedorova", "Сократили сроки для критических обращений", None)],
    "rules": [(90, "belova", "", lambda b: b.replace("до 9:30", "до 10:00")),
              (30, "belova", "Уточнили время уведомления об отсутствии", None)],
}


def make_demo(context) -> None:
    db = context.dbsession
    if db.scalar(sa.select(KbFolder.id).limit(1)) is not None:
        return
    rnd = context.rnd
    depts, users = context.departments, context.users
    now = utcnow()
    roles = {r.name: r for r in db.scalars(sa.select(Role))}

    folders: dict[str, KbFolder] = {}
    for order, (key, (title, slug, parent, description, restricted)) in enumerate(FOLDERS.items()):
        folders[key] = KbFolder(title=title, slug=slug, description=description, restricted=restricted,
                                parent_id=folders[parent].id if parent else None, sort_order=order)
        db.add(folders[key])
        db.flush()
    for key, grants in SHARING.items():
        for role, holder in grants:
            who = ({"user": users[holder[1:]]} if holder.startswith("@")
                   else {"department": depts[holder]})
            db.add(LocalRoleGrant(container_type="kb_folder", container_id=folders[key].id,
                                  role=roles[role], **who))
    db.flush()

    articles: dict[str, Article] = {}
    for key, folder, title, slug, summary, body, tags, state, author, extra in ARTICLES:
        days = rnd.randint(1, 80)
        updated = now - dt.timedelta(days=days, hours=rnd.randint(0, 9), minutes=rnd.randint(0, 59))
        article = Article(folder_id=folders[folder].id, slug=slug, title=title, summary=summary,
                          body=body, state=state,
                          author_id=users[author].id, created_at=updated, updated_at=updated,
                          published_at=updated if state in ("published", "archived") else None)
        article.tag_rows = [ArticleTag(tag=t) for t in tags]
        must = extra.get("must_read")
        if must:
            article.must_read = True
            article.must_read_department_id = None if must == "everyone" else depts[must].id
            article.must_read_at = updated
        db.add(article)
        db.flush()
        articles[key] = article
        _versions(db, article, users, key, updated)
        _review_history(db, article, state, users, folder, article.updated_at)
    for a, b in RELATED:
        db.add(ArticleRelation(article_id=articles[a].id, related_id=articles[b].id))
    db.flush()
    _readers(db, context, articles, now)


def _versions(db, article: Article, users, key: str, updated: dt.datetime) -> None:
    steps = HISTORY.get(key)
    if not steps:
        db.add(ArticleVersion(article_id=article.id, number=1, title=article.title,
                              summary=article.summary, body=article.body,
                              tags=",".join(article.tags), author_id=article.author_id,
                              created_at=article.created_at))
        return
    first_days = steps[0][0]
    article.created_at = updated - dt.timedelta(days=first_days)
    for number, (days, login, comment, change) in enumerate(steps, start=1):
        body = change(article.body) if change else article.body
        db.add(ArticleVersion(article_id=article.id, number=number, title=article.title,
                              summary=article.summary, body=body, tags=",".join(article.tags),
                              author_id=users[login].id, comment=comment,
                              created_at=updated - dt.timedelta(days=days)))
    article.version = len(steps)
    article.updated_at = updated - dt.timedelta(days=steps[-1][0])


def _review_history(db, article: Article, state: str, users, folder: str, updated: dt.datetime) -> None:
    reviewer = {"support": "fedorova", "faq": "fedorova", "equipment": "fedorova", "office": "belova",
                "sales": "sokolov", "it": "admin", "management": "director"}[folder]
    steps = []
    if state in ("pending", "published", "archived"):
        steps.append(("submit", "draft", "pending", article.author_id, ""))
    if state in ("published", "archived"):
        steps.append(("publish", "pending", "published", users[reviewer].id, ""))
    if state == "archived":
        steps.append(("archive", "published", "archived", users[reviewer].id, "Заменён новым прайсом"))
    for n, (name, from_, to, actor, comment) in enumerate(steps):
        db.add(WorkflowHistory(object_type="article", object_id=article.id, transition=name,
                               from_state=from_, to_state=to, actor_id=actor, comment=comment,
                               at=updated - dt.timedelta(hours=len(steps) - n)))


def _readers(db, context, articles: dict[str, Article], now: dt.datetime) -> None:
    rnd = context.rnd
    people = list(context.users.values())
    management = db.scalar(sa.select(KbFolder.id).where(KbFolder.slug == "management"))
    for article in articles.values():
        if article.state != "published":
            continue
        if article.folder_id == management:
            readers = [context.users[login] for login in ("director", "kuznetsova")]
        else:
            readers = rnd.sample(people, rnd.randint(3, len(people) - 2))
        for user in readers:
            read_at = article.updated_at + dt.timedelta(hours=rnd.randint(1, 200))
            read = ArticleRead(article_id=article.id, user_id=user.id, first_read_at=min(read_at, now))
            if article.must_read and rnd.random() < 0.6:
                read.confirmed_at = read.first_read_at
                read.confirmed_version = article.version
            db.add(read)
            if rnd.random() < 0.35:
                db.add(ArticleFeedback(article_id=article.id, user_id=user.id,
                                       helpful=rnd.random() < 0.85, created_at=read.first_read_at))
        article.read_count = len(readers)
    db.flush()
    for article in articles.values():
        counts = dict(db.execute(sa.select(ArticleFeedback.helpful, sa.func.count())
                                 .where(ArticleFeedback.article_id == article.id)
                                 .group_by(ArticleFeedback.helpful)).all())
        article.helpful_yes, article.helpful_no = counts.get(True, 0), counts.get(False, 0)
    db.flush()

